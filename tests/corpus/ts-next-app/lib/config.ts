export const RESPONSES_MODEL = "gpt-4.1-mini";
export const SUMMARY_MODEL = process.env.SUMMARY_MODEL || "claude-3-7-sonnet-20250219";
