/** The mflab version recorded in every results file (kept equal to package.json by a test). */
export const MFLAB_VERSION = "0.3.0";
