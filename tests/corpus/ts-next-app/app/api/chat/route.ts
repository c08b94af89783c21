import { openai } from "@ai-sdk/openai";
import { streamText } from "ai";

export const maxDuration = 30;

export async function POST(req: Request) {
  const { messages } = await req.json();
  const result = streamText({
    model: openai(process.env.CHAT_MODEL ?? "gpt-4o-mini"),
    system: "You are a helpful support agent.",
    messages,
    maxTokens: 500,
    temperature: 0.7,
  });
  return result.toDataStreamResponse();
}
