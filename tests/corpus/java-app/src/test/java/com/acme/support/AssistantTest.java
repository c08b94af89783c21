package com.acme.support;

class AssistantTest {
    static final String FIXTURE_MODEL = "gpt-4o";
}
