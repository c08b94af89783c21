package llm

import (
	"context"
	"os"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go"
	"google.golang.org/genai"
)

const defaultModel = "gpt-4o-mini"

// Route sends the ticket to the chat model.
func Route(ctx context.Context, text string) (string, error) {
	client := openai.NewClient()
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:     openai.ChatModelGPT4o,
		MaxTokens: openai.Int(512),
		Messages:  []openai.ChatCompletionMessageParamUnion{openai.UserMessage(text)},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}

func Summarize(ctx context.Context, text string) (string, error) {
	client := anthropic.NewClient()
	msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     "claude-3-5-haiku-20241022",
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))},
	})
	if err != nil {
		return "", err
	}
	return msg.Content[0].Text, nil
}

func Classify(ctx context.Context, text string) (string, error) {
	client, err := genai.NewClient(ctx, nil)
	if err != nil {
		return "", err
	}
	res, err := client.Models.GenerateContent(ctx, "gemini-2.0-flash", genai.Text(text), nil)
	if err != nil {
		return "", err
	}
	return res.Text(), nil
}

func ModelFromEnv() string {
	model := os.Getenv("LLM_MODEL")
	if model == "" {
		model = defaultModel
	}
	return model
}
