;; One epoch of Surprise-style NMF on the observed ratings (the accumulation pass of fitNmf in
;; src/models/nmf/nmf.ts) in WebAssembly, with the four accumulations in SIMD (f64x2). Loaded by ../simd-nmf.ts,
;; compiled to nmf.wasm at build time (scripts/build-wasm.js).
;;
;; accumulate(indptr, indices, values, nUsers, k, gm, biased, bu, bi, pu, qi, un, ud, inum, iden, lrBu, lrBi, regBu, regBi):
;; all addresses are i32 byte offsets into env.mem (indptr, indices: i32; the rest f64; factor and accumulator
;; rows row-major with k columns). The accumulators must be zero on entry. For every user u in order and every
;; entry e of the user's CSR row in order, with i = indices[e], r = values[e], p = pu[u], q = qi[i]:
;;   dot = Σ_f q[f]·p[f], summed one f after the other (f = 0, 1, …)   — scalar: the order fixes the rounding
;;   est = ((gm + bu[u]) + bi[i]) + dot
;;   biased: err = r − est; bu[u] ← bu[u] + lrBu (err − regBu bu[u]); bi[i] ← bi[i] + lrBi (err − regBi bi[i])
;;   un[u] += q·r; ud[u] += q·est; inum[i] += p·r; iden[i] += p·est      (elementwise, two entries per step)
;;
;; The scalar twin is the loop in fitNmf: the same operations in the same order, no fused multiply-add on either
;; side, so both give bitwise identical results (test/linalg/simd-nmf.test.ts; the code is pinned by
;; test/linalg/wasm-kernels.test.ts).
(module
  (import "env" "mem" (memory 1))

  (func (export "accumulate")
    (param $indptr i32) (param $indices i32) (param $values i32) (param $nUsers i32) (param $k i32) (param $gm f64)
    (param $biased i32) (param $bu i32) (param $bi i32) (param $pu i32) (param $qi i32)
    (param $un i32) (param $ud i32) (param $inum i32) (param $iden i32)
    (param $lrBu f64) (param $lrBi f64) (param $regBu f64) (param $regBi f64)
    (local $u i32)
    (local $e i32)
    (local $end i32)
    (local $kb i32)      ;; k·8
    (local $k2b i32)     ;; (k − k mod 2)·8
    (local $a i32)       ;; u·k·8
    (local $b i32)       ;; i·k·8
    (local $i8 i32)      ;; i·8
    (local $f i32)       ;; byte offset along a row
    (local $r f64)
    (local $dot f64)
    (local $est f64)
    (local $err f64)
    (local $x f64)
    (local $p f64)
    (local $q f64)
    (local $vr v128)
    (local $vest v128)
    (local $vp v128)
    (local $vq v128)

    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $k2b (i32.shl (i32.and (local.get $k) (i32.const -2)) (i32.const 3)))
    (local.set $u (i32.const 0))
    (block $users_done
      (loop $users_next
        (br_if $users_done (i32.eqz (i32.lt_s (local.get $u) (local.get $nUsers))))
        (local.set $a (i32.mul (local.get $u) (local.get $kb)))
        (local.set $e (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (block $entries_done
          (loop $entries_next
            (br_if $entries_done (i32.eqz (i32.lt_s (local.get $e) (local.get $end))))
            (local.set $i8 (i32.shl (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (i32.const 3)))
            (local.set $b (i32.mul (local.get $i8) (local.get $k)))
            (local.set $r (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3)))))

            ;; dot = Σ q[f]·p[f], in f order
            (local.set $dot (f64.const 0))
            (local.set $f (i32.const 0))
            (block $dot_done
              (loop $dot_next
                (br_if $dot_done (i32.eqz (i32.lt_s (local.get $f) (local.get $kb))))
                (local.set $dot (f64.add (local.get $dot)
                  (f64.mul
                    (f64.load (i32.add (local.get $qi) (i32.add (local.get $b) (local.get $f))))
                    (f64.load (i32.add (local.get $pu) (i32.add (local.get $a) (local.get $f)))))))
                (local.set $f (i32.add (local.get $f) (i32.const 8)))
                (br $dot_next)))
            (local.set $est
              (f64.add
                (f64.add
                  (f64.add (local.get $gm) (f64.load (i32.add (local.get $bu) (i32.shl (local.get $u) (i32.const 3)))))
                  (f64.load (i32.add (local.get $bi) (local.get $i8))))
                (local.get $dot)))
            (if (local.get $biased)
              (then
                (local.set $err (f64.sub (local.get $r) (local.get $est)))
                (local.set $x (f64.load (i32.add (local.get $bu) (i32.shl (local.get $u) (i32.const 3)))))
                (f64.store (i32.add (local.get $bu) (i32.shl (local.get $u) (i32.const 3)))
                  (f64.add (local.get $x) (f64.mul (local.get $lrBu) (f64.sub (local.get $err) (f64.mul (local.get $regBu) (local.get $x))))))
                (local.set $x (f64.load (i32.add (local.get $bi) (local.get $i8))))
                (f64.store (i32.add (local.get $bi) (local.get $i8))
                  (f64.add (local.get $x) (f64.mul (local.get $lrBi) (f64.sub (local.get $err) (f64.mul (local.get $regBi) (local.get $x))))))))

            ;; the four accumulations, two entries per step, then the odd last entry
            (local.set $vr (f64x2.splat (local.get $r)))
            (local.set $vest (f64x2.splat (local.get $est)))
            (local.set $f (i32.const 0))
            (block $acc_done
              (loop $acc_next
                (br_if $acc_done (i32.eqz (i32.lt_s (local.get $f) (local.get $k2b))))
                (local.set $vq (v128.load align=8 (i32.add (local.get $qi) (i32.add (local.get $b) (local.get $f)))))
                (local.set $vp (v128.load align=8 (i32.add (local.get $pu) (i32.add (local.get $a) (local.get $f)))))
                (v128.store align=8 (i32.add (local.get $un) (i32.add (local.get $a) (local.get $f)))
                  (f64x2.add (v128.load align=8 (i32.add (local.get $un) (i32.add (local.get $a) (local.get $f)))) (f64x2.mul (local.get $vq) (local.get $vr))))
                (v128.store align=8 (i32.add (local.get $ud) (i32.add (local.get $a) (local.get $f)))
                  (f64x2.add (v128.load align=8 (i32.add (local.get $ud) (i32.add (local.get $a) (local.get $f)))) (f64x2.mul (local.get $vq) (local.get $vest))))
                (v128.store align=8 (i32.add (local.get $inum) (i32.add (local.get $b) (local.get $f)))
                  (f64x2.add (v128.load align=8 (i32.add (local.get $inum) (i32.add (local.get $b) (local.get $f)))) (f64x2.mul (local.get $vp) (local.get $vr))))
                (v128.store align=8 (i32.add (local.get $iden) (i32.add (local.get $b) (local.get $f)))
                  (f64x2.add (v128.load align=8 (i32.add (local.get $iden) (i32.add (local.get $b) (local.get $f)))) (f64x2.mul (local.get $vp) (local.get $vest))))
                (local.set $f (i32.add (local.get $f) (i32.const 16)))
                (br $acc_next)))
            (if (i32.lt_s (local.get $f) (local.get $kb))
              (then
                (local.set $q (f64.load (i32.add (local.get $qi) (i32.add (local.get $b) (local.get $f)))))
                (local.set $p (f64.load (i32.add (local.get $pu) (i32.add (local.get $a) (local.get $f)))))
                (f64.store (i32.add (local.get $un) (i32.add (local.get $a) (local.get $f)))
                  (f64.add (f64.load (i32.add (local.get $un) (i32.add (local.get $a) (local.get $f)))) (f64.mul (local.get $q) (local.get $r))))
                (f64.store (i32.add (local.get $ud) (i32.add (local.get $a) (local.get $f)))
                  (f64.add (f64.load (i32.add (local.get $ud) (i32.add (local.get $a) (local.get $f)))) (f64.mul (local.get $q) (local.get $est))))
                (f64.store (i32.add (local.get $inum) (i32.add (local.get $b) (local.get $f)))
                  (f64.add (f64.load (i32.add (local.get $inum) (i32.add (local.get $b) (local.get $f)))) (f64.mul (local.get $p) (local.get $r))))
                (f64.store (i32.add (local.get $iden) (i32.add (local.get $b) (local.get $f)))
                  (f64.add (f64.load (i32.add (local.get $iden) (i32.add (local.get $b) (local.get $f)))) (f64.mul (local.get $p) (local.get $est))))))

            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $entries_next)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $users_next)))))
