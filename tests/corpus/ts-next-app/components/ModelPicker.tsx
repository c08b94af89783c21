"use client";

const OPTIONS = ["gpt-4o", "gpt-4o-mini"];

export function ModelPicker({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)}>
      {OPTIONS.map((m) => (
        <option key={m} value={m}>
          {m}
        </option>
      ))}
      <option value="o4-mini">o4-mini (reasoning)</option>
    </select>
  );
}
