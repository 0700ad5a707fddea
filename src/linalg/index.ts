/** Small dense kernels on row-major Float64Array (Cholesky, Gram assembly, conjugate gradient). */
export * from "./cholesky";
export * from "./gram";
export * from "./cg";
export * from "./simd";
export * from "./simd-cholesky";
export * from "./simd-cg";
export * from "./simd-sgd";
export * from "./simd-nmf";
