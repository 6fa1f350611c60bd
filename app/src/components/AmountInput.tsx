/** A labelled token amount field: parses with the SDK (exact decimals) and says why a value is not one. */
import { useId } from "react";
import { parseUnitsExact } from "../../../sdk/units";

/** The raw amount in `text`, or the sentence why it is not an amount of a `decimals` token. */
export function parseAmount(text: string, decimals: number): { raw?: bigint; error?: string } {
  if (text.trim() === "") return {};
  try {
    const raw = parseUnitsExact(text.trim(), decimals);
    return raw > 0n ? { raw } : { error: "Enter an amount above 0" };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

export function AmountInput(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  symbol: string;
  error?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <span className="with-unit">
        <input
          id={id}
          inputMode="decimal"
          autoComplete="off"
          value={props.value}
          aria-invalid={props.error !== undefined}
          aria-describedby={props.error !== undefined ? `${id}-error` : undefined}
          onChange={(e) => props.onChange(e.target.value)}
        />
        <span aria-hidden="true">{props.symbol}</span>
      </span>
      {props.error !== undefined && (
        <span id={`${id}-error`} className="field-error">
          {props.error}
        </span>
      )}
    </div>
  );
}
