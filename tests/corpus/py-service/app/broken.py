from openai import OpenAI
def broken(:
    return OpenAI().chat.completions.create(model="gpt-4o")
