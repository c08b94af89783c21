"""Thin wrappers around the model SDKs used by the service."""

from __future__ import annotations

import boto3
import litellm
from anthropic import Anthropic
from google import genai
from mistralai import Mistral
from openai import AzureOpenAI, OpenAI

from app.config import DEFAULT_CHAT_MODEL, EMBEDDING_MODEL, settings

openai_client = OpenAI()
azure_client = AzureOpenAI(api_version="2024-10-21")
claude = Anthropic()
bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")
gemini = genai.Client()
mistral = Mistral(api_key="...")


def chat(messages: list[dict], request_model: str | None = None) -> str:
    resp = openai_client.chat.completions.create(
        model=DEFAULT_CHAT_MODEL,
        messages=messages,
        max_tokens=800,
        temperature=0.3,
    )
    return resp.choices[0].message.content or ""


def chat_as(messages: list[dict], request_model: str) -> str:
    resp = openai_client.chat.completions.create(model=request_model, messages=messages)
    return resp.choices[0].message.content or ""


def embed(texts: list[str]) -> list[list[float]]:
    out = openai_client.embeddings.create(model=EMBEDDING_MODEL, input=texts)
    return [d.embedding for d in out.data]


def summarize(text: str) -> str:
    msg = claude.messages.create(
        model=settings.summary_model,
        max_tokens=1024,
        system="Summarize the ticket in two sentences.",
        messages=[{"role": "user", "content": text}],
    )
    return msg.content[0].text


def azure_answer(question: str) -> str:
    resp = azure_client.chat.completions.create(
        model="support-chat",
        messages=[{"role": "user", "content": question}],
        max_tokens=400,
    )
    return resp.choices[0].message.content or ""


def bedrock_answer(question: str) -> str:
    resp = bedrock.converse(
        modelId="anthropic.claude-3-5-sonnet-20240620-v1:0",
        messages=[{"role": "user", "content": [{"text": question}]}],
        inferenceConfig={"maxTokens": 512},
    )
    return resp["output"]["message"]["content"][0]["text"]


def classify(text: str) -> str:
    result = gemini.models.generate_content(model="gemini-2.0-flash", contents=text)
    return result.text


def fallback(messages: list[dict]) -> str:
    resp = litellm.completion(model="anthropic/claude-3-opus-20240229", messages=messages, max_tokens=300)
    return resp.choices[0].message.content


def translate(text: str) -> str:
    resp = mistral.chat.complete(model="mistral-large-latest", messages=[{"role": "user", "content": text}])
    return resp.choices[0].message.content
