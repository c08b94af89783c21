package com.acme.support;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletionCreateParams;

public class Assistant {
    static final String SUMMARY_MODEL = "claude-sonnet-4-20250514";

    private final OpenAIClient openai = OpenAIOkHttpClient.fromEnv();
    private final AnthropicClient anthropic = AnthropicOkHttpClient.fromEnv();

    public String answer(String question) {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(ChatModel.GPT_4O)
                .maxCompletionTokens(800)
                .temperature(0.2)
                .addUserMessage(question)
                .build();
        return openai.chat().completions().create(params).choices().get(0).message().content().orElse("");
    }

    public String summarize(String text) {
        MessageCreateParams params = MessageCreateParams.builder()
                .model(SUMMARY_MODEL)
                .maxTokens(1024L)
                .addUserMessage(text)
                .build();
        return anthropic.messages().create(params).content().get(0).text().get().text();
    }
}
