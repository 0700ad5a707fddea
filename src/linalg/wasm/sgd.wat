;; Biased-MF stochastic gradient descent (Surprise's SVD update) in WebAssembly SIMD (f64x2): one epoch over the
;; ratings in a given order, and the training-error pass a fit records after each epoch. Loaded by ../simd-sgd.ts
;; (createSimdSgd), compiled to sgd.wasm at build time (scripts/build-wasm.js).
;;
;; All addresses are i32 byte offsets into the imported memory env.mem; us/is are i32 arrays, everything else f64.
;; P (users × k) and Q (items × k) are row-major.
;;
;; epoch(us, is, rs, n, k, mu, biased, bu, bi, P, Q, lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi):
;;   for t = 0 … n−1, with u = us[t], i = is[t], p = P[u], q = Q[i]:
;;     dot = (d0 + d1) + (d2 + d3), where d_j sums p[f]·q[f] over f ≡ j (mod 4), f < k4 = k − k mod 4, in
;;           increasing f (lanes of two f64x2 accumulators), and d0 then adds p[f]·q[f] for f = k4 … k−1
;;     biased:   err = r − (((mu + b_u) + b_i) + dot);  b_u += lrBu (err − regBu b_u);  b_i += lrBi (err − regBi b_i)
;;     unbiased: err = r − dot
;;     p ← (1 − lrPu regPu) p + (lrPu err) q;   q ← (1 − lrQi regQi) q + (lrQi err) p_old   (elementwise)
;;
;; evaluate(us, is, rs, n, k, mu, biased, bu, bi, P, Q, lo, hi, out):
;;   for each rating, pred = ((mu + b_u) + b_i) + dot (biased) or dot, with dot as above; e = r − pred;
;;   c = pred < lo ? lo : pred > hi ? hi : pred; ec = r − c; accumulates in rating order
;;   out[0] = Σ e², out[1] = Σ ec², out[2] = Σ |ec|.
;;
;; The scalar twins are sgdEpoch and svdEval (with ErrorAccumulator) in src/models/gradient/svd.ts: the same
;; operations in the same order. WebAssembly has no fused multiply-add, so the two give bitwise identical results
;; (test/linalg/simd-sgd.test.ts); keep the instruction order when editing either (test/linalg/wasm-kernels.test.ts
;; pins the compiled code).
(module
  (import "env" "mem" (memory 1))

  (func (export "epoch")
    (param $us i32) (param $is i32) (param $rs i32) (param $n i32) (param $k i32) (param $mu f64) (param $biased i32)
    (param $bu i32) (param $bi i32) (param $P i32) (param $Q i32)
    (param $lrBu f64) (param $lrBi f64) (param $lrPu f64) (param $lrQi f64)
    (param $regBu f64) (param $regBi f64) (param $regPu f64) (param $regQi f64)
    (local $t i32)       ;; rating index
    (local $kb i32)      ;; k·8, a factor row in bytes
    (local $k4b i32)     ;; k4·8
    (local $pu i32)      ;; address of p = P[u]
    (local $qi i32)      ;; address of q = Q[i]
    (local $bua i32)     ;; address of b_u
    (local $bia i32)     ;; address of b_i
    (local $f i32)       ;; byte offset along a factor row
    (local $acc0 v128)   ;; [d0, d1]
    (local $acc1 v128)   ;; [d2, d3]
    (local $d0 f64)
    (local $dot f64)
    (local $err f64)
    (local $bU f64)
    (local $bI f64)
    (local $p f64)
    (local $q f64)
    (local $sp f64)      ;; 1 − lrPu·regPu
    (local $sq f64)      ;; 1 − lrQi·regQi
    (local $ep f64)      ;; lrPu·err
    (local $eq f64)      ;; lrQi·err
    (local $vsp v128)
    (local $vsq v128)
    (local $vep v128)
    (local $veq v128)
    (local $p0 v128)
    (local $q0 v128)
    (local $p1 v128)
    (local $q1 v128)

    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $k4b (i32.shl (i32.sub (local.get $k) (i32.and (local.get $k) (i32.const 3))) (i32.const 3)))
    (local.set $sp (f64.sub (f64.const 1) (f64.mul (local.get $lrPu) (local.get $regPu))))
    (local.set $sq (f64.sub (f64.const 1) (f64.mul (local.get $lrQi) (local.get $regQi))))
    (local.set $vsp (f64x2.splat (local.get $sp)))
    (local.set $vsq (f64x2.splat (local.get $sq)))

    (local.set $t (i32.const 0))
    (block $ratings_done
      (loop $ratings_next
        (br_if $ratings_done (i32.eqz (i32.lt_s (local.get $t) (local.get $n))))
        (local.set $bua (i32.shl (i32.load (i32.add (local.get $us) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 3)))
        (local.set $bia (i32.shl (i32.load (i32.add (local.get $is) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 3)))
        ;; pu = P + u·k·8 (bua = u·8), qi = Q + i·k·8
        (local.set $pu (i32.add (local.get $P) (i32.mul (local.get $bua) (local.get $k))))
        (local.set $qi (i32.add (local.get $Q) (i32.mul (local.get $bia) (local.get $k))))
        (local.set $bua (i32.add (local.get $bu) (local.get $bua)))
        (local.set $bia (i32.add (local.get $bi) (local.get $bia)))

        ;; dot product: four partial sums, then the tail into d0
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $f (i32.const 0))
        (block $dot_done
          (loop $dot_next
            (br_if $dot_done (i32.eqz (i32.lt_s (local.get $f) (local.get $k4b))))
            (local.set $acc0 (f64x2.add (local.get $acc0)
              (f64x2.mul (v128.load align=8 (i32.add (local.get $pu) (local.get $f))) (v128.load align=8 (i32.add (local.get $qi) (local.get $f))))))
            (local.set $acc1 (f64x2.add (local.get $acc1)
              (f64x2.mul (v128.load offset=16 align=8 (i32.add (local.get $pu) (local.get $f))) (v128.load offset=16 align=8 (i32.add (local.get $qi) (local.get $f))))))
            (local.set $f (i32.add (local.get $f) (i32.const 32)))
            (br $dot_next)))
        (local.set $d0 (f64x2.extract_lane 0 (local.get $acc0)))
        (block $tail_done
          (loop $tail_next
            (br_if $tail_done (i32.eqz (i32.lt_s (local.get $f) (local.get $kb))))
            (local.set $d0 (f64.add (local.get $d0)
              (f64.mul (f64.load (i32.add (local.get $pu) (local.get $f))) (f64.load (i32.add (local.get $qi) (local.get $f))))))
            (local.set $f (i32.add (local.get $f) (i32.const 8)))
            (br $tail_next)))
        (local.set $dot
          (f64.add
            (f64.add (local.get $d0) (f64x2.extract_lane 1 (local.get $acc0)))
            (f64.add (f64x2.extract_lane 0 (local.get $acc1)) (f64x2.extract_lane 1 (local.get $acc1)))))

        ;; the error, and the bias steps
        (if (local.get $biased)
          (then
            (local.set $bU (f64.load (local.get $bua)))
            (local.set $bI (f64.load (local.get $bia)))
            (local.set $err (f64.sub (f64.load (i32.add (local.get $rs) (i32.shl (local.get $t) (i32.const 3))))
              (f64.add (f64.add (f64.add (local.get $mu) (local.get $bU)) (local.get $bI)) (local.get $dot))))
            (f64.store (local.get $bua)
              (f64.add (local.get $bU) (f64.mul (local.get $lrBu) (f64.sub (local.get $err) (f64.mul (local.get $regBu) (local.get $bU))))))
            (f64.store (local.get $bia)
              (f64.add (local.get $bI) (f64.mul (local.get $lrBi) (f64.sub (local.get $err) (f64.mul (local.get $regBi) (local.get $bI)))))))
          (else
            (local.set $err (f64.sub (f64.load (i32.add (local.get $rs) (i32.shl (local.get $t) (i32.const 3)))) (local.get $dot)))))

        ;; the factor steps, four entries per loop, then the tail
        (local.set $ep (f64.mul (local.get $lrPu) (local.get $err)))
        (local.set $eq (f64.mul (local.get $lrQi) (local.get $err)))
        (local.set $vep (f64x2.splat (local.get $ep)))
        (local.set $veq (f64x2.splat (local.get $eq)))
        (local.set $f (i32.const 0))
        (block $upd_done
          (loop $upd_next
            (br_if $upd_done (i32.eqz (i32.lt_s (local.get $f) (local.get $k4b))))
            (local.set $p0 (v128.load align=8 (i32.add (local.get $pu) (local.get $f))))
            (local.set $q0 (v128.load align=8 (i32.add (local.get $qi) (local.get $f))))
            (local.set $p1 (v128.load offset=16 align=8 (i32.add (local.get $pu) (local.get $f))))
            (local.set $q1 (v128.load offset=16 align=8 (i32.add (local.get $qi) (local.get $f))))
            (v128.store align=8 (i32.add (local.get $pu) (local.get $f))
              (f64x2.add (f64x2.mul (local.get $vsp) (local.get $p0)) (f64x2.mul (local.get $vep) (local.get $q0))))
            (v128.store align=8 (i32.add (local.get $qi) (local.get $f))
              (f64x2.add (f64x2.mul (local.get $vsq) (local.get $q0)) (f64x2.mul (local.get $veq) (local.get $p0))))
            (v128.store offset=16 align=8 (i32.add (local.get $pu) (local.get $f))
              (f64x2.add (f64x2.mul (local.get $vsp) (local.get $p1)) (f64x2.mul (local.get $vep) (local.get $q1))))
            (v128.store offset=16 align=8 (i32.add (local.get $qi) (local.get $f))
              (f64x2.add (f64x2.mul (local.get $vsq) (local.get $q1)) (f64x2.mul (local.get $veq) (local.get $p1))))
            (local.set $f (i32.add (local.get $f) (i32.const 32)))
            (br $upd_next)))
        (block $utail_done
          (loop $utail_next
            (br_if $utail_done (i32.eqz (i32.lt_s (local.get $f) (local.get $kb))))
            (local.set $p (f64.load (i32.add (local.get $pu) (local.get $f))))
            (local.set $q (f64.load (i32.add (local.get $qi) (local.get $f))))
            (f64.store (i32.add (local.get $pu) (local.get $f))
              (f64.add (f64.mul (local.get $sp) (local.get $p)) (f64.mul (local.get $ep) (local.get $q))))
            (f64.store (i32.add (local.get $qi) (local.get $f))
              (f64.add (f64.mul (local.get $sq) (local.get $q)) (f64.mul (local.get $eq) (local.get $p))))
            (local.set $f (i32.add (local.get $f) (i32.const 8)))
            (br $utail_next)))

        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ratings_next))))

  (func (export "evaluate")
    (param $us i32) (param $is i32) (param $rs i32) (param $n i32) (param $k i32) (param $mu f64) (param $biased i32)
    (param $bu i32) (param $bi i32) (param $P i32) (param $Q i32) (param $lo f64) (param $hi f64) (param $out i32)
    (local $t i32)
    (local $kb i32)
    (local $k4b i32)
    (local $u8 i32)      ;; u·8
    (local $i8 i32)      ;; i·8
    (local $pu i32)
    (local $qi i32)
    (local $f i32)
    (local $acc0 v128)
    (local $acc1 v128)
    (local $d0 f64)
    (local $pred f64)
    (local $r f64)
    (local $e f64)
    (local $c f64)
    (local $sse f64)
    (local $ssec f64)
    (local $sae f64)

    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $k4b (i32.shl (i32.sub (local.get $k) (i32.and (local.get $k) (i32.const 3))) (i32.const 3)))
    (local.set $t (i32.const 0))
    (block $ratings_done
      (loop $ratings_next
        (br_if $ratings_done (i32.eqz (i32.lt_s (local.get $t) (local.get $n))))
        (local.set $u8 (i32.shl (i32.load (i32.add (local.get $us) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 3)))
        (local.set $i8 (i32.shl (i32.load (i32.add (local.get $is) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 3)))
        (local.set $pu (i32.add (local.get $P) (i32.mul (local.get $u8) (local.get $k))))
        (local.set $qi (i32.add (local.get $Q) (i32.mul (local.get $i8) (local.get $k))))

        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $f (i32.const 0))
        (block $dot_done
          (loop $dot_next
            (br_if $dot_done (i32.eqz (i32.lt_s (local.get $f) (local.get $k4b))))
            (local.set $acc0 (f64x2.add (local.get $acc0)
              (f64x2.mul (v128.load align=8 (i32.add (local.get $pu) (local.get $f))) (v128.load align=8 (i32.add (local.get $qi) (local.get $f))))))
            (local.set $acc1 (f64x2.add (local.get $acc1)
              (f64x2.mul (v128.load offset=16 align=8 (i32.add (local.get $pu) (local.get $f))) (v128.load offset=16 align=8 (i32.add (local.get $qi) (local.get $f))))))
            (local.set $f (i32.add (local.get $f) (i32.const 32)))
            (br $dot_next)))
        (local.set $d0 (f64x2.extract_lane 0 (local.get $acc0)))
        (block $tail_done
          (loop $tail_next
            (br_if $tail_done (i32.eqz (i32.lt_s (local.get $f) (local.get $kb))))
            (local.set $d0 (f64.add (local.get $d0)
              (f64.mul (f64.load (i32.add (local.get $pu) (local.get $f))) (f64.load (i32.add (local.get $qi) (local.get $f))))))
            (local.set $f (i32.add (local.get $f) (i32.const 8)))
            (br $tail_next)))
        (local.set $pred
          (f64.add
            (f64.add (local.get $d0) (f64x2.extract_lane 1 (local.get $acc0)))
            (f64.add (f64x2.extract_lane 0 (local.get $acc1)) (f64x2.extract_lane 1 (local.get $acc1)))))
        (if (local.get $biased)
          (then
            (local.set $pred
              (f64.add
                (f64.add (f64.add (local.get $mu) (f64.load (i32.add (local.get $bu) (local.get $u8)))) (f64.load (i32.add (local.get $bi) (local.get $i8))))
                (local.get $pred)))))

        (local.set $r (f64.load (i32.add (local.get $rs) (i32.shl (local.get $t) (i32.const 3)))))
        (local.set $e (f64.sub (local.get $r) (local.get $pred)))
        (local.set $sse (f64.add (local.get $sse) (f64.mul (local.get $e) (local.get $e))))
        ;; c = pred < lo ? lo : pred > hi ? hi : pred
        (local.set $c
          (select (local.get $lo)
            (select (local.get $hi) (local.get $pred) (f64.gt (local.get $pred) (local.get $hi)))
            (f64.lt (local.get $pred) (local.get $lo))))
        (local.set $e (f64.sub (local.get $r) (local.get $c)))
        (local.set $ssec (f64.add (local.get $ssec) (f64.mul (local.get $e) (local.get $e))))
        (local.set $sae (f64.add (local.get $sae) (f64.abs (local.get $e))))

        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ratings_next)))
    (f64.store (local.get $out) (local.get $sse))
    (f64.store offset=8 (local.get $out) (local.get $ssec))
    (f64.store offset=16 (local.get $out) (local.get $sae))))
