export function generateConfig(
  n: number,
  format: "yaml" | "json",
  options?: { certificate?: string; key?: string; listen?: { tls: string; plain: string } },
): string;
