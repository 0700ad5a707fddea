/** Write-up reports of sweeps: observations, the report document, files and the `mflab report` command. */
export * from "./observations";
export * from "./document";
export * from "./build";
export * from "./write";
