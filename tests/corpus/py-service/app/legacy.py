from openai import OpenAI

client = OpenAI()


def old_completion(prompt: str) -> str:
    # TODO: move off gpt-4-0613 once the batch job is rewritten
    resp = client.chat.completions.create(
        model="gpt-3.5-turbo",  # switchover: ignore[batch job is being deleted]
        messages=[{"role": "user", "content": prompt}],
    )
    return resp.choices[0].message.content or ""
