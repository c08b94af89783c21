from app import llm

FAKE_RESPONSE = {"model": "gpt-4o-2024-08-06", "choices": []}


def test_chat(fake_openai):
    fake_openai.expect(model="gpt-4o")
    assert llm.chat([{"role": "user", "content": "hi"}]) == ""
