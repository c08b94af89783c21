module github.com/acme/ticket-router

go 1.22

require (
	github.com/anthropics/anthropic-sdk-go v1.2.0
	github.com/openai/openai-go v1.8.0
	google.golang.org/genai v1.10.0
)
