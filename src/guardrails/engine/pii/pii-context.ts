import { PII_LEFT_CONTEXT } from './pii-recognizer.types';

/** The lower-cased text in the `PII_LEFT_CONTEXT` characters before `start`. */
export function leftContext(text: string, start: number, width: number = PII_LEFT_CONTEXT): string {
  return text.slice(Math.max(0, start - Math.min(width, PII_LEFT_CONTEXT)), start).toLowerCase();
}

/** Words that say a number is a reference of some kind, not personal data. */
export const REFERENCE_CONTEXT =
  /\b(?:order|po|purchase order|ticket|case|ref(?:erence)?|invoice|tracking|gift|voucher|coupon|part|sku|isbn|serial|build|version|ver|v|release|commit|id)\b[\s#:.no-]*$/;
