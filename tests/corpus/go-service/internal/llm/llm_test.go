package llm

import "testing"

func TestModel(t *testing.T) {
	if got := "gpt-4o-mini"; got != defaultModel {
		t.Fatal(got)
	}
}
