;; Gram products of a transposed design, in WebAssembly SIMD (f64x2): the dominant cost of an exact ALS
;; half-step. Loaded by ../simd.ts (createSimdGram), compiled to gram.wasm at build time (scripts/build-wasm.js).
;;
;; gram(xt, n, kp, g): all four arguments are i32; xt and g are byte offsets into the imported memory env.mem.
;;
;;   Input   Xt, a row-major kp × n matrix of f64 at `xt` (row a = the a-th entry of every design row).
;;   Output  G, a row-major kp × kp matrix of f64 at `g`:
;;
;;     for a = 0, 2, 4, … < kp:  for b = a, a+2, … < kp:
;;       2×2 block  G[a..a+1][b..b+1] = Xt[a..a+1] · Xt[b..b+1]ᵀ
;;
;;   so every entry with a ≤ b is written, and some entries below the diagonal too (those of the diagonal
;;   blocks); the caller mirrors the upper triangle.
;;
;; Requires even kp and even n: callers pad with zero entries / a zero row (GramAssembler in ../gram.ts does).
;;
;; Each 2×2 block keeps four f64x2 accumulators over t in steps of 2 (lane 0 sums the even t, lane 1 the odd
;; t) and adds the two lanes at the end. Sums are therefore formed in a different order than the scalar
;; kernel of ../gram.ts: results agree to rounding, not bitwise.
;;
;; WebAssembly has no fused multiply-add (outside relaxed SIMD, not used here), so every product and sum
;; rounds as written: keep the instruction order when editing (test/linalg/wasm-kernels.test.ts pins the
;; compiled code).
(module
  (import "env" "mem" (memory 1))

  (func (export "gram") (param $xt i32) (param $n i32) (param $kp i32) (param $g i32)
    (local $a i32)        ;; first of the two rows of Xt on the left of the block
    (local $b i32)        ;; first of the two rows on the right (b ≥ a)
    (local $t i32)        ;; byte offset along a row (t·8); later reused as the address of G[a][b]
    (local $pa0 i32)      ;; address of row a of Xt
    (local $pa1 i32)      ;; … row a+1
    (local $pb0 i32)      ;; … row b
    (local $pb1 i32)      ;; … row b+1
    (local $rowBytes i32) ;; n·8, the length of one row of Xt in bytes
    (local $s00 v128)     ;; accumulators [even t, odd t] of G[a][b], G[a][b+1], G[a+1][b], G[a+1][b+1]
    (local $s01 v128)
    (local $s10 v128)
    (local $s11 v128)
    (local $x0 v128)      ;; Xt[a][t..t+1]
    (local $x1 v128)      ;; Xt[a+1][t..t+1]
    (local $y0 v128)      ;; Xt[b][t..t+1]
    (local $y1 v128)      ;; Xt[b+1][t..t+1]

    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))

    ;; for (a = 0; a < kp; a += 2)
    (local.set $a (i32.const 0))
    (block $a_done
      (loop $a_next
        (br_if $a_done (i32.eqz (i32.lt_s (local.get $a) (local.get $kp))))
        ;; pa0 = xt + a·rowBytes, pa1 = pa0 + rowBytes
        (local.set $pa1
          (i32.add
            (local.tee $pa0 (i32.add (local.get $xt) (i32.mul (local.get $a) (local.get $rowBytes))))
            (local.get $rowBytes)))

        ;; for (b = a; b < kp; b += 2)
        (local.set $b (local.get $a))
        (block $b_done
          (loop $b_next
            (br_if $b_done (i32.eqz (i32.lt_s (local.get $b) (local.get $kp))))
            ;; pb0 = xt + b·rowBytes, pb1 = pb0 + rowBytes
            (local.set $pb1
              (i32.add
                (local.tee $pb0 (i32.add (local.get $xt) (i32.mul (local.get $b) (local.get $rowBytes))))
                (local.get $rowBytes)))
            (local.set $s00 (v128.const i64x2 0 0))
            (local.set $s01 (v128.const i64x2 0 0))
            (local.set $s10 (v128.const i64x2 0 0))
            (local.set $s11 (v128.const i64x2 0 0))

            ;; for (t = 0; t < n; t += 2): the four dot products, two columns of Xt per step
            (local.set $t (i32.const 0))
            (block $t_done
              (loop $t_next
                (br_if $t_done (i32.eqz (i32.lt_s (local.get $t) (local.get $rowBytes))))
                (local.set $x0 (v128.load align=8 (i32.add (local.get $pa0) (local.get $t))))
                (local.set $x1 (v128.load align=8 (i32.add (local.get $pa1) (local.get $t))))
                (local.set $y0 (v128.load align=8 (i32.add (local.get $pb0) (local.get $t))))
                (local.set $y1 (v128.load align=8 (i32.add (local.get $pb1) (local.get $t))))
                (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x0) (local.get $y0))))
                (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x0) (local.get $y1))))
                (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x1) (local.get $y0))))
                (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x1) (local.get $y1))))
                (local.set $t (i32.add (local.get $t) (i32.const 16)))
                (br $t_next)))

            ;; t ← g + (a·kp + b)·8, the address of G[a][b]; store lane 0 + lane 1 of each accumulator
            (local.set $t
              (i32.add
                (local.get $g)
                (i32.shl (i32.add (i32.mul (local.get $a) (local.get $kp)) (local.get $b)) (i32.const 3))))
            (f64.store (local.get $t)
              (f64.add (f64x2.extract_lane 0 (local.get $s00)) (f64x2.extract_lane 1 (local.get $s00))))
            (f64.store offset=8 (local.get $t)
              (f64.add (f64x2.extract_lane 0 (local.get $s01)) (f64x2.extract_lane 1 (local.get $s01))))
            ;; t ← the address of G[a+1][b]
            (local.set $t (i32.add (local.get $t) (i32.shl (local.get $kp) (i32.const 3))))
            (f64.store (local.get $t)
              (f64.add (f64x2.extract_lane 0 (local.get $s10)) (f64x2.extract_lane 1 (local.get $s10))))
            (f64.store offset=8 (local.get $t)
              (f64.add (f64x2.extract_lane 0 (local.get $s11)) (f64x2.extract_lane 1 (local.get $s11))))

            (local.set $b (i32.add (local.get $b) (i32.const 2)))
            (br $b_next)))

        (local.set $a (i32.add (local.get $a) (i32.const 2)))
        (br $a_next)))))
