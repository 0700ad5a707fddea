/** `mflab/plot`: plotly figure builders, figure kinds for results files, standalone HTML and PNG/SVG export. */
export * from "./figures";
export * from "./kinds";
export * from "./race";
export * from "./html";
export * from "./export";
