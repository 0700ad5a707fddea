;; The O(n·k) passes of warm-started conjugate gradient for the ridge normal equations of one sparse row (the
;; inner solve of explicit ALS with solver "cg"), in WebAssembly SIMD (f64x2). Loaded by ../simd-cg.ts (RowCg),
;; compiled to cg.wasm at build time (scripts/build-wasm.js).
;;
;; pass(rows, nPad, kp, v, y, out, mode): all i32; rows, v, y, out are byte offsets into the imported memory
;; env.mem. Layout (written by RowCg.gather):
;;   rows  the gathered rows x̃_t, row-major nPad × kp f64 (kp = k rounded up to even, nPad = n rounded up to a
;;         multiple of 4 with zero rows, whose target is 0, so they contribute nothing)
;;   y     the targets y_t, nPad f64
;;   v     the vector to multiply, kp f64
;;   out   the result, kp f64 (written with 0 first)
;;
;; mode 0 (Product)    s_t = x̃_t·v,           out = Σ_t s_t x̃_t        (= X̃ᵀ(X̃v))
;; mode 1 (Residual)   s_t = y_t − x̃_t·v,     out = Σ_t s_t x̃_t        (= X̃ᵀ(y − X̃v))
;; mode 2 (Residuals)  y_t ← y_t − x̃_t·v (overwriting the targets), out = 0
;;                     (a fit's training errors after the solve, on rows still in cache)
;;
;; Four rows t..t+3 at a time, in this order of operations:
;;   x̃_t·v = lane 0 + lane 1 of Σ_a [x̃_t,a v_a, x̃_t,a+1 v_a+1] over a = 0, 2, … (Σ over even a, Σ over odd a)
;;   out_a = out_a + (((s_0 x̃_0a + s_1 x̃_1a) + s_2 x̃_2a) + s_3 x̃_3a)
;;
;; WebAssembly SIMD has no fused multiply-add, so every operation rounds exactly as the scalar twin
;; cgPassScalar in ../simd-cg.ts, which performs the same operations in the same order: the two give bitwise
;; identical results (test/linalg/simd-cg.test.ts). Keep the two in step when editing either, and keep the
;; instruction order (test/linalg/wasm-kernels.test.ts pins the compiled code).
(module
  (import "env" "mem" (memory 1))

  (func (export "pass")
    (param $rows i32) (param $nPad i32) (param $kp i32) (param $v i32) (param $y i32) (param $out i32)
    (param $mode i32)
    (local $t i32)         ;; first of the four rows
    (local $r0 i32)        ;; address of row t
    (local $r1 i32)        ;; … row t+1
    (local $r2 i32)        ;; … row t+2
    (local $r3 i32)        ;; … row t+3
    (local $a i32)         ;; byte offset along a row (a·8)
    (local $rowBytes i32)  ;; kp·8
    (local $s0 f64)        ;; s_t … s_t+3
    (local $s1 f64)
    (local $s2 f64)
    (local $s3 f64)
    (local $acc0 v128)     ;; [Σ over even a, Σ over odd a] of x̃_t,a v_a, for the rows t … t+3
    (local $acc1 v128)
    (local $acc2 v128)
    (local $acc3 v128)
    (local $va v128)       ;; v[a..a+1]
    (local $sp0 v128)      ;; splat(s_t) … splat(s_t+3)
    (local $sp1 v128)
    (local $sp2 v128)
    (local $sp3 v128)

    (local.set $rowBytes (i32.shl (local.get $kp) (i32.const 3)))

    ;; out ← 0
    (local.set $a (i32.const 0))
    (block $zero_done
      (loop $zero_next
        (br_if $zero_done (i32.eqz (i32.lt_s (local.get $a) (local.get $rowBytes))))
        (v128.store align=8 (i32.add (local.get $out) (local.get $a)) (v128.const i64x2 0 0))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $zero_next)))

    ;; for (t = 0; t < nPad; t += 4)
    (local.set $t (i32.const 0))
    (block $rows_done
      (loop $rows_next
        (br_if $rows_done (i32.eqz (i32.lt_s (local.get $t) (local.get $nPad))))
        ;; r0 = rows + t·rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes
        (local.set $r3
          (i32.add
            (local.tee $r2
              (i32.add
                (local.tee $r1
                  (i32.add
                    (local.tee $r0 (i32.add (local.get $rows) (i32.mul (local.get $t) (local.get $rowBytes))))
                    (local.get $rowBytes)))
                (local.get $rowBytes)))
            (local.get $rowBytes)))
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $acc2 (v128.const i64x2 0 0))
        (local.set $acc3 (v128.const i64x2 0 0))

        ;; the four dot products x̃_t+i·v, two entries per step
        (local.set $a (i32.const 0))
        (block $dot_done
          (loop $dot_next
            (br_if $dot_done (i32.eqz (i32.lt_s (local.get $a) (local.get $rowBytes))))
            (local.set $va (v128.load align=8 (i32.add (local.get $v) (local.get $a))))
            (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (v128.load align=8 (i32.add (local.get $r0) (local.get $a))) (local.get $va))))
            (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (v128.load align=8 (i32.add (local.get $r1) (local.get $a))) (local.get $va))))
            (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul (v128.load align=8 (i32.add (local.get $r2) (local.get $a))) (local.get $va))))
            (local.set $acc3 (f64x2.add (local.get $acc3) (f64x2.mul (v128.load align=8 (i32.add (local.get $r3) (local.get $a))) (local.get $va))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $dot_next)))
        (local.set $s0 (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))
        (local.set $s1 (f64.add (f64x2.extract_lane 0 (local.get $acc1)) (f64x2.extract_lane 1 (local.get $acc1))))
        (local.set $s2 (f64.add (f64x2.extract_lane 0 (local.get $acc2)) (f64x2.extract_lane 1 (local.get $acc2))))
        (local.set $s3 (f64.add (f64x2.extract_lane 0 (local.get $acc3)) (f64x2.extract_lane 1 (local.get $acc3))))

        ;; modes 1 and 2: s_i = y[t + i] − s_i (y[t + i] at y + t·8 + i·8)
        (if (local.get $mode)
          (then
            (local.set $s0 (f64.sub (f64.load (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3)))) (local.get $s0)))
            (local.set $s1 (f64.sub (f64.load offset=8 (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3)))) (local.get $s1)))
            (local.set $s2 (f64.sub (f64.load offset=16 (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3)))) (local.get $s2)))
            (local.set $s3 (f64.sub (f64.load offset=24 (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3)))) (local.get $s3)))))

        (if (i32.eq (local.get $mode) (i32.const 2))
          (then
            ;; mode 2: y[t + i] ← s_i, no product
            (f64.store (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3))) (local.get $s0))
            (f64.store offset=8 (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3))) (local.get $s1))
            (f64.store offset=16 (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3))) (local.get $s2))
            (f64.store offset=24 (i32.add (local.get $y) (i32.shl (local.get $t) (i32.const 3))) (local.get $s3)))
          (else
            ;; out[a..a+1] += ((s_0 x̃_0 + s_1 x̃_1) + s_2 x̃_2) + s_3 x̃_3, two entries per step
            (local.set $sp0 (f64x2.splat (local.get $s0)))
            (local.set $sp1 (f64x2.splat (local.get $s1)))
            (local.set $sp2 (f64x2.splat (local.get $s2)))
            (local.set $sp3 (f64x2.splat (local.get $s3)))
            (local.set $a (i32.const 0))
            (block $axpy_done
              (loop $axpy_next
                (br_if $axpy_done (i32.eqz (i32.lt_s (local.get $a) (local.get $rowBytes))))
                (v128.store align=8 (i32.add (local.get $out) (local.get $a))
                  (f64x2.add
                    (v128.load align=8 (i32.add (local.get $out) (local.get $a)))
                    (f64x2.add
                      (f64x2.add
                        (f64x2.add
                          (f64x2.mul (local.get $sp0) (v128.load align=8 (i32.add (local.get $r0) (local.get $a))))
                          (f64x2.mul (local.get $sp1) (v128.load align=8 (i32.add (local.get $r1) (local.get $a)))))
                        (f64x2.mul (local.get $sp2) (v128.load align=8 (i32.add (local.get $r2) (local.get $a)))))
                      (f64x2.mul (local.get $sp3) (v128.load align=8 (i32.add (local.get $r3) (local.get $a)))))))
                (local.set $a (i32.add (local.get $a) (i32.const 16)))
                (br $axpy_next)))))

        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $rows_next)))))
