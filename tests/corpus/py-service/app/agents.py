from crewai import LLM
from langchain_openai import ChatOpenAI
from llama_index.llms.openai import OpenAI as LlamaOpenAI
from pydantic_ai import Agent

# Router model for LangChain chains.
router = ChatOpenAI(model="gpt-4o-mini", temperature=0)

triage_agent = Agent("openai:o3-mini", system_prompt="Classify the ticket.")

crew_llm = LLM(model="gpt-4-turbo", temperature=0.5)

index_llm = LlamaOpenAI(model="gpt-3.5-turbo", temperature=0.1)
