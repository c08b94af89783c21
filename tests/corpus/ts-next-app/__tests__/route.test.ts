import { describe, expect, it } from "vitest";

describe("route", () => {
  it("uses the configured model", () => {
    expect({ model: "gpt-4o-mini" }).toEqual({ model: "gpt-4o-mini" });
  });
});
