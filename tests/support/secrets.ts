/** A secret holds JSON {"username","password"} or the password itself as a plain string. */
export function passwordIn(secretString: string): string {
  try {
    const parsed = JSON.parse(secretString) as { password?: unknown };
    if (typeof parsed.password === 'string') return parsed.password;
  } catch {
    // A plain-text secret is the password itself.
  }
  return secretString;
}
