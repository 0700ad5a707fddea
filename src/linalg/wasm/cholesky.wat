;; Cholesky factorization and solve of a small dense SPD system A x = b (the k×k ridge normal equations of exact
;; ALS, k = d or d + 1) in WebAssembly SIMD (f64x2). Loaded by ../simd-cholesky.ts (createSimdCholesky), compiled
;; to cholesky.wasm at build time (scripts/build-wasm.js). Same mathematics and pivot test as the scalar
;; choleskySolveInPlace of ../cholesky.ts, which remains the fallback where SIMD is unavailable.
;;
;; solve(a, k, l, b, inv, relTol) → i32: 1 on success, 0 when a pivot fails (during the factorization, before b
;; is touched). a, l, b, inv are byte offsets into the imported memory env.mem:
;;   a    the row-major k×k input A; only its lower triangle (diagonal included) is read, A is never written
;;   b    the right-hand side, kp = k rounded up to even entries (b_k = 0 when k is odd); overwritten with x
;;   l    room for L, (kp/2)(kp/2 + 1)·2 doubles (layout below)
;;   inv  room for kp doubles: 1/L_jj
;;
;; Layout of L: packed by row pairs with the two rows INTERLEAVED. Pair P (rows 2P and 2P+1) holds 2P + 2
;; columns, column c as the f64x2 [L_2P,c, L_2P+1,c]; pair P starts at byte l + P(P+1)·16. So one v128 load
;; gives a column of both rows, and every epilogue works on both rows at once with no horizontal sums. Odd k
;; is padded to kp = k + 1 with an identity row (A_kk = 1, b_k = 0), which leaves the first k unknowns
;; unchanged. The slot above the diagonal of each diagonal block ([L_2P,2P+1]) holds 0.
;;
;; Algorithm (left-looking, Cholesky–Banachiewicz, two rows at a time): for each pair of rows (i, i+1), i even,
;; and each earlier pair of rows (j, j+1), j < i, even,
;;   [L_ij,   L_i+1,j  ] = ([A_ij,   A_i+1,j  ] − Σ_{t<j} [L_it, L_i+1,t] · L_jt) / L_jj
;;   [L_i,j+1, L_i+1,j+1] = ([A_i,j+1, A_i+1,j+1] − Σ_{t<j} [L_it, L_i+1,t] · L_j+1,t − [L_ij, L_i+1,j] · L_j+1,j) / L_j+1,j+1
;; then the 2×2 diagonal block: p_i = A_ii − Σ_{t<i} L_it², L_ii = √p_i, L_i+1,i = (A_i+1,i − Σ L_i+1,t L_it) / L_ii,
;; p_i+1 = A_i+1,i+1 − Σ_{t≤i} L_i+1,t², L_i+1,i+1 = √p_i+1. Pivot test as in choleskyFactorInPlace: row r fails
;; when !(p_r > relTol·A_rr) or !(p_r > 0) (so NaN fails). Then L y = b (forward, pairs of rows) and Lᵀ x = y
;; (backward, pairs of rows, column i of L read across the later row pairs).
;;
;; The inner loop of the factorization is, per t (unrolled by 2: columns t and t+1),
;;   S_j += [L_it, L_i+1,t] · splat(L_jt),   S_j+1 += [L_it, L_i+1,t] · splat(L_j+1,t)
;; (1 load + 2 load-splats per 2 f64x2 multiply-adds, 4 independent accumulators: $s0a/$s1a for even t, $s0b/$s1b
;; for odd t, added at the end). Divisions by L_jj are multiplications by the stored 1/L_jj, and sums are formed
;; in a different order than the scalar code, so results agree to rounding (≈1e-15 relative for
;; well-conditioned systems), not bitwise. Cost: (k + 1)³/6 multiply-adds (as f64x2, half as many instructions)
;; + O(k²) copies and solves.
;;
;; Variants tried and rejected (slower in V8 at every k): four rows × one column pair per inner loop (8
;; accumulators), and unrolling t by 4 (8 accumulators) — presumably more live v128 values than V8 keeps in
;; registers.
;;
;; WebAssembly has no fused multiply-add (outside relaxed SIMD, not used here), so every operation rounds as
;; written: keep the instruction order when editing (test/linalg/wasm-kernels.test.ts pins the compiled code).
(module
  (import "env" "mem" (memory 1))

  (func (export "solve")
    (param $a i32) (param $k i32) (param $l i32) (param $b i32) (param $inv i32) (param $relTol f64)
    (result i32)
    (local $kp i32)      ;; k rounded up to even
    (local $i i32)       ;; first row of the current pair (i, i+1)
    (local $j i32)       ;; first row of the earlier pair (j, j+1) being subtracted
    (local $pP i32)      ;; address of pair i's column 0 in L
    (local $pQ i32)      ;; address of pair j's column 0 in L
    (local $x i32)       ;; walking address in pair i (a column of it)
    (local $y i32)       ;; walking address in pair j, or in b
    (local $end i32)     ;; where $x stops
    (local $ptr i32)     ;; relayout: address in row i of A; later the address of 1/L_jj (or 1/L_ii) in inv
    (local $row1 i32)    ;; relayout: address in row i+1 of A
    (local $step i32)    ;; back substitution: bytes from column i of one pair to column i of the next
    (local $bEnd i32)    ;; b + kp·8
    (local $r1 i32)      ;; i + 1
    (local $p f64)       ;; pivot, then L_ii (or L_i+1,i+1); in the solves, the unknown just found
    (local $w f64)       ;; 1/L_ii
    (local $m f64)       ;; L_i+1,i
    (local $a0 f64)      ;; A_ii (or A_i+1,i+1), for the relative pivot test
    (local $s0a v128)    ;; Σ [L_it, L_i+1,t] · L_jt over even t (forward: Σ [L_it, L_i+1,t] · y_t)
    (local $s0b v128)    ;; … over odd t
    (local $s1a v128)    ;; Σ [L_it, L_i+1,t] · L_j+1,t over even t
    (local $s1b v128)    ;; … over odd t
    (local $X0 v128)     ;; column t of pair i: [L_it, L_i+1,t] (back substitution: [x_q, x_q+1])
    (local $X1 v128)     ;; column t+1 of pair i
    (local $V0 v128)     ;; [L_ij, L_i+1,j], just computed
    (local $D v128)      ;; diagonal block: [p_i, A_i+1,i − Σ L_i+1,t L_it]; forward: [b_i, b_i+1] − sums

    ;; kp = (k + 1) & −2
    (local.set $kp (i32.and (i32.add (local.get $k) (i32.const 1)) (i32.const -2)))

    ;; 1. Relayout: copy A's lower triangle into the interleaved pair layout of L. Pair i gets columns 0..i
    ;;    as [A_i,c, A_i+1,c], then column i+1 as [0, A_i+1,i+1]. For odd k the last pair's row i+1 is the
    ;;    padding row [0 … 0 1].
    (local.set $i (i32.const 0))
    (local.set $pP (local.get $l))
    (block $relayout_done
      (loop $relayout_next
        (br_if $relayout_done (i32.eqz (i32.lt_s (local.get $i) (local.get $kp))))
        (local.set $r1 (i32.add (local.get $i) (i32.const 1)))
        ;; ptr = a + i·k·8 (row i of A), x = pP, end = pP + r1·16 (column i+1 of this pair)
        (local.set $ptr (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 3))))
        (local.set $x (local.get $pP))
        (local.set $end (i32.add (local.get $pP) (i32.shl (local.get $r1) (i32.const 4))))
        (if (i32.lt_s (local.get $r1) (local.get $k))
          (then
            ;; row i+1 is a row of A: row1 = ptr + k·8
            (local.set $row1 (i32.add (local.get $ptr) (i32.shl (local.get $k) (i32.const 3))))
            (block $copy_done
              (loop $copy_next
                (br_if $copy_done (i32.eqz (i32.lt_s (local.get $x) (local.get $end))))
                (f64.store (local.get $x) (f64.load (local.get $ptr)))
                (f64.store offset=8 (local.get $x) (f64.load (local.get $row1)))
                (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
                (local.set $row1 (i32.add (local.get $row1) (i32.const 8)))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br $copy_next)))
            (f64.store (local.get $x) (f64.const 0))
            (f64.store offset=8 (local.get $x) (f64.load (local.get $row1))))
          (else
            ;; odd k, last pair: row i+1 is the padding row
            (block $pad_done
              (loop $pad_next
                (br_if $pad_done (i32.eqz (i32.lt_s (local.get $x) (local.get $end))))
                (f64.store (local.get $x) (f64.load (local.get $ptr)))
                (f64.store offset=8 (local.get $x) (f64.const 0))
                (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br $pad_next)))
            (f64.store (local.get $x) (f64.const 0))
            (f64.store offset=8 (local.get $x) (f64.const 1))))
        (local.set $pP (i32.add (local.get $x) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $relayout_next)))

    ;; 2. Factor, pair of rows (i, i+1) by pair, in place: for j = 0, 2, …, i subtract pair j's contribution
    ;;    (j < i: two off-diagonal columns; j = i: the diagonal block with its pivot tests).
    (local.set $i (i32.const 0))
    (local.set $pP (local.get $l))
    (block $factor_done
      (loop $factor_next
        (br_if $factor_done (i32.eqz (i32.lt_s (local.get $i) (local.get $kp))))
        (local.set $j (i32.const 0))
        (local.set $pQ (local.get $l))
        (block ;; (no branch leaves through this block: the loop below runs while j ≤ i)
          (loop $j_next
            (local.set $s0a (v128.const i64x2 0 0))
            (local.set $s0b (v128.const i64x2 0 0))
            (local.set $s1a (v128.const i64x2 0 0))
            (local.set $s1b (v128.const i64x2 0 0))
            ;; x = pair i, y = pair j, both from column 0; end = column j of pair i
            (local.set $x (local.get $pP))
            (local.set $y (local.get $pQ))
            (local.set $end (i32.add (local.get $pP) (i32.shl (local.get $j) (i32.const 4))))
            ;; for t = 0, 2, … < j: the four dot products over columns t, t+1
            (block $dot_done
              (loop $dot_next
                (br_if $dot_done (i32.eqz (i32.lt_s (local.get $x) (local.get $end))))
                (local.set $X0 (v128.load align=8 (local.get $x)))
                (local.set $X1 (v128.load offset=16 align=8 (local.get $x)))
                (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (local.get $X0) (v128.load64_splat (local.get $y)))))
                (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (local.get $X0) (v128.load64_splat offset=8 (local.get $y)))))
                (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.mul (local.get $X1) (v128.load64_splat offset=16 (local.get $y)))))
                (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.mul (local.get $X1) (v128.load64_splat offset=24 (local.get $y)))))
                (local.set $x (i32.add (local.get $x) (i32.const 32)))
                (local.set $y (i32.add (local.get $y) (i32.const 32)))
                (br $dot_next)))
            ;; now x = column j of pair i, y = column j of pair j
            (if (i32.lt_s (local.get $j) (local.get $i))
              (then
                ;; Off-diagonal: ptr = &inv[j].
                ;;   [L_ij, L_i+1,j] = ([A_ij, A_i+1,j] − S_j) · 1/L_jj
                ;;   [L_i,j+1, L_i+1,j+1] = ([A_i,j+1, A_i+1,j+1] − S_j+1 − [L_ij, L_i+1,j] · L_j+1,j) · 1/L_j+1,j+1
                (local.set $ptr (i32.add (local.get $inv) (i32.shl (local.get $j) (i32.const 3))))
                (v128.store align=8 (local.get $x)
                  (local.tee $V0
                    (f64x2.mul
                      (f64x2.sub (v128.load align=8 (local.get $x)) (f64x2.add (local.get $s0a) (local.get $s0b)))
                      (v128.load64_splat (local.get $ptr)))))
                (v128.store offset=16 align=8 (local.get $x)
                  (f64x2.mul
                    (f64x2.sub
                      (f64x2.sub (v128.load offset=16 align=8 (local.get $x)) (f64x2.add (local.get $s1a) (local.get $s1b)))
                      (f64x2.mul (local.get $V0) (v128.load64_splat offset=8 (local.get $y))))
                    (v128.load64_splat offset=8 (local.get $ptr)))))
              (else
                ;; Diagonal block (j = i): ptr = &inv[i]; x + 0 = A_ii, x + 8 = A_i+1,i, x + 24 = A_i+1,i+1.
                (local.set $ptr (i32.add (local.get $inv) (i32.shl (local.get $i) (i32.const 3))))
                (local.set $D (f64x2.sub (v128.load align=8 (local.get $x)) (f64x2.add (local.get $s0a) (local.get $s0b))))
                (local.set $a0 (f64.load (local.get $x)))
                ;; p_i = A_ii − Σ L_it²; fail unless p_i > relTol·A_ii and p_i > 0 (NaN fails)
                (local.set $p (f64x2.extract_lane 0 (local.get $D)))
                (if (i32.eqz
                      (i32.and
                        (f64.gt (local.get $p) (f64.mul (local.get $relTol) (local.get $a0)))
                        (f64.gt (local.get $p) (f64.const 0))))
                  (then (return (i32.const 0))))
                ;; L_ii = √p_i, inv[i] = 1/L_ii, L_i+1,i = (A_i+1,i − Σ L_i+1,t L_it) · 1/L_ii
                (local.set $p (f64.sqrt (local.get $p)))
                (local.set $w (f64.div (f64.const 1) (local.get $p)))
                (f64.store (local.get $x) (local.get $p))
                (f64.store (local.get $ptr) (local.get $w))
                (f64.store offset=8 (local.get $x)
                  (local.tee $m (f64.mul (f64x2.extract_lane 1 (local.get $D)) (local.get $w))))
                ;; p_i+1 = A_i+1,i+1 − Σ_{t<i} L_i+1,t² − L_i+1,i², same pivot test
                (local.set $a0 (f64.load offset=24 (local.get $x)))
                (local.set $p
                  (f64.sub
                    (f64.sub (local.get $a0) (f64x2.extract_lane 1 (f64x2.add (local.get $s1a) (local.get $s1b))))
                    (f64.mul (local.get $m) (local.get $m))))
                (if (i32.eqz
                      (i32.and
                        (f64.gt (local.get $p) (f64.mul (local.get $relTol) (local.get $a0)))
                        (f64.gt (local.get $p) (f64.const 0))))
                  (then (return (i32.const 0))))
                ;; L_i+1,i+1 = √p_i+1, inv[i+1] = 1/L_i+1,i+1
                (local.set $p (f64.sqrt (local.get $p)))
                (f64.store offset=24 (local.get $x) (local.get $p))
                (f64.store offset=8 (local.get $ptr) (f64.div (f64.const 1) (local.get $p)))))
            ;; next pair j: pair j has j + 2 columns, y is at its column j
            (local.set $pQ (i32.add (local.get $y) (i32.const 32)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br_if $j_next (i32.le_s (local.get $j) (local.get $i)))))
        ;; next pair i: x is at column i of pair i, which has i + 2 columns
        (local.set $pP (i32.add (local.get $x) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $factor_next)))

    ;; 3. Forward substitution L y = b, two rows at a time (b ← y):
    ;;    [y_i, y_i+1] = [b_i, b_i+1] − Σ_{t<i} [L_it, L_i+1,t] · y_t, then y_i ·= 1/L_ii and
    ;;    y_i+1 = (y_i+1 − L_i+1,i · y_i) · 1/L_i+1,i+1.
    (local.set $i (i32.const 0))
    (local.set $pP (local.get $l))
    (block $forward_done
      (loop $forward_next
        (br_if $forward_done (i32.eqz (i32.lt_s (local.get $i) (local.get $kp))))
        (local.set $s0a (v128.const i64x2 0 0))
        (local.set $s0b (v128.const i64x2 0 0))
        (local.set $x (local.get $pP))
        (local.set $y (local.get $b))
        (local.set $end (i32.add (local.get $pP) (i32.shl (local.get $i) (i32.const 4))))
        (block $sum_done
          (loop $sum_next
            (br_if $sum_done (i32.eqz (i32.lt_s (local.get $x) (local.get $end))))
            (local.set $X0 (v128.load align=8 (local.get $x)))
            (local.set $X1 (v128.load offset=16 align=8 (local.get $x)))
            (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (local.get $X0) (v128.load64_splat (local.get $y)))))
            (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.mul (local.get $X1) (v128.load64_splat offset=8 (local.get $y)))))
            (local.set $x (i32.add (local.get $x) (i32.const 32)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (br $sum_next)))
        ;; now x = column i of pair i, y = b + i·8; ptr = &inv[i]
        (local.set $ptr (i32.add (local.get $inv) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $D (f64x2.sub (v128.load align=8 (local.get $y)) (f64x2.add (local.get $s0a) (local.get $s0b))))
        (f64.store (local.get $y)
          (local.tee $p (f64.mul (f64x2.extract_lane 0 (local.get $D)) (f64.load (local.get $ptr)))))
        (f64.store offset=8 (local.get $y)
          (f64.mul
            (f64.sub (f64x2.extract_lane 1 (local.get $D)) (f64.mul (f64.load offset=8 (local.get $x)) (local.get $p)))
            (f64.load offset=8 (local.get $ptr))))
        (local.set $pP (i32.add (local.get $x) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $forward_next)))

    ;; 4. Back substitution Lᵀ x = y (b ← x), pairs from the last. Columns i and i+1 of L are read across the
    ;;    later pairs q = i+2, i+4, …: s0a += [L_q,i, L_q+1,i] · [x_q, x_q+1] (s1a likewise for column i+1),
    ;;    then x_i+1 = (y_i+1 − Σ_r L_r,i+1 x_r) · 1/L_i+1,i+1 and
    ;;    x_i = (y_i − Σ_r L_r,i x_r − L_i+1,i x_i+1) · 1/L_ii.
    ;;    On entry pP = the end of L (after the forward loop), i = kp.
    (local.set $bEnd (i32.add (local.get $b) (i32.shl (local.get $kp) (i32.const 3))))
    (block $backward_done
      (loop $backward_next
        (br_if $backward_done (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 2)))
        ;; pP ← pP − (i + 2)·16: the start of pair i
        (local.set $pP (i32.sub (local.get $pP) (i32.shl (i32.add (local.get $i) (i32.const 2)) (i32.const 4))))
        (local.set $s0a (v128.const i64x2 0 0))
        (local.set $s1a (v128.const i64x2 0 0))
        ;; x = column i of pair i+2 = pP + (i+2)·16 + i·16; step to the next pair = (i+4)·16; y = b + (i+2)·8
        (local.set $x (i32.add (i32.add (local.get $pP) (i32.shl (local.get $i) (i32.const 5))) (i32.const 32)))
        (local.set $step (i32.shl (i32.add (local.get $i) (i32.const 4)) (i32.const 4)))
        (local.set $y (i32.add (local.get $b) (i32.shl (i32.add (local.get $i) (i32.const 2)) (i32.const 3))))
        (block $later_done
          (loop $later_next
            (br_if $later_done (i32.eqz (i32.lt_s (local.get $y) (local.get $bEnd))))
            (local.set $X0 (v128.load align=8 (local.get $y)))
            (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (v128.load align=8 (local.get $x)) (local.get $X0))))
            (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (v128.load offset=16 align=8 (local.get $x)) (local.get $X0))))
            (local.set $x (i32.add (local.get $x) (local.get $step)))
            (local.set $step (i32.add (local.get $step) (i32.const 32)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (br $later_next)))
        ;; ptr = &inv[i], y = &b[i], x = column i of pair i (x + 8 = L_i+1,i)
        (local.set $ptr (i32.add (local.get $inv) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $y (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $x (i32.add (local.get $pP) (i32.shl (local.get $i) (i32.const 4))))
        (f64.store offset=8 (local.get $y)
          (local.tee $p
            (f64.mul
              (f64.sub
                (f64.load offset=8 (local.get $y))
                (f64.add (f64x2.extract_lane 0 (local.get $s1a)) (f64x2.extract_lane 1 (local.get $s1a))))
              (f64.load offset=8 (local.get $ptr)))))
        (f64.store (local.get $y)
          (f64.mul
            (f64.sub
              (f64.sub
                (f64.load (local.get $y))
                (f64.add (f64x2.extract_lane 0 (local.get $s0a)) (f64x2.extract_lane 1 (local.get $s0a))))
              (f64.mul (f64.load offset=8 (local.get $x)) (local.get $p)))
            (f64.load (local.get $ptr))))
        (br $backward_next)))

    (i32.const 1)))
