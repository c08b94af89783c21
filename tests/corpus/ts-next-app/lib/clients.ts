import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { RESPONSES_MODEL, SUMMARY_MODEL } from "./config";

const client = new OpenAI();
const anthropic = new Anthropic();
const ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY });

export async function draftReply(input: string) {
  const response = await client.responses.create({
    model: RESPONSES_MODEL,
    input,
    max_output_tokens: 600,
    temperature: 0.4,
  });
  return response.output_text;
}

export async function summarize(text: string) {
  const msg = await anthropic.messages.create({
    model: SUMMARY_MODEL,
    max_tokens: 1024,
    messages: [{ role: "user", content: text }],
  });
  return msg.content;
}

export async function tag(text: string) {
  // gemini-1.5-pro was too slow here
  const res = await ai.models.generateContent({
    model: "gemini-2.5-flash",
    contents: text,
  });
  return res.text;
}

export async function legacyComplete(prompt: string) {
  const completion = await client.chat.completions.create({
    model: "gpt-3.5-turbo-0125",
    messages: [{ role: "user", content: prompt }],
    max_tokens: 256,
  });
  return completion.choices[0].message.content;
}
