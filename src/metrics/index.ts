/** `mflab/metrics`: rating-error metrics (MSE, RMSE, MAE) and top-k ranking metrics over a scorer. */
export * from "./accuracy";
export * from "./ranking";
export * from "./uncertainty";
