/** Write-up reports of sweeps: observations, the report document and report files (the command is ../cli/report.ts). */
export * from "./observations";
export * from "./document";
export * from "./build";
export * from "./write";
