/** Figures (plotly objects), offline HTML/PNG/SVG export and inline notebook display. */
export * from "./figures";
export * from "./kinds";
export * from "./export";
export * from "./display";
export { plotlyBundlePath, plotlyLoaderScript, type BundleMode } from "./bundle";
