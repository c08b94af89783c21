using System;
using Azure.AI.OpenAI;
using Azure.Identity;
using OpenAI.Chat;

var endpoint = new Uri(Environment.GetEnvironmentVariable("AZURE_OPENAI_ENDPOINT")!);
var azure = new AzureOpenAIClient(endpoint, new DefaultAzureCredential());
ChatClient supportChat = azure.GetChatClient("support-gpt4o");

var fallbackModel = Environment.GetEnvironmentVariable("FALLBACK_MODEL") ?? "gpt-4.1";
ChatClient fallback = new ChatClient(model: fallbackModel, apiKey: Environment.GetEnvironmentVariable("OPENAI_API_KEY"));

ChatCompletion completion = supportChat.CompleteChat(new UserChatMessage("Where is my order?"));
Console.WriteLine(completion.Content[0].Text);
