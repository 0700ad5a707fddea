/** `mflab/plot`: plotly figure builders, figure kinds for results files, standalone HTML and PNG/SVG export. */
export * from "./figures";
export * from "./kinds";
export * from "./race";
export * from "./search";
export * from "./factor-map";
export * from "./grammar";
export * from "./static-image";
export * from "./html";
export * from "./export";
export * from "./calibration";
