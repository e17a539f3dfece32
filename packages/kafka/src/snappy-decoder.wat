(module
  ;; Raw snappy block decoder (https://github.com/google/snappy/blob/main/format_description.txt),
  ;; compiled by packages/kafka/scripts/build-snappy-wasm.js into snappy-decoder-wasm.ts; loaded by
  ;; snappy-decoder.ts. decode(ip, ipEnd, op, opEnd) reads the tags in [ip, ipEnd) (the block after its
  ;; length preamble) and writes [op, opEnd); returns opEnd when the block fills exactly that, else -1
  ;; (corrupt input). Every read and write is bounds-checked against those ranges, except that the
  ;; caller leaves 16 readable bytes after ipEnd and 16 writable bytes after opEnd: short literals and
  ;; copies move whole 8-byte words and let the surplus fall into bytes that are written later.
  (memory (export "memory") 1)
  (func (export "decode") (param $ip i32) (param $ipEnd i32) (param $op i32) (param $opEnd i32) (result i32)
    (local $base i32) (local $tag i32) (local $len i32) (local $off i32) (local $from i32) (local $n i32) (local $stop i32)
    (local.set $base (local.get $op))
    (block $fail
      (loop $next
        (if (i32.ge_u (local.get $ip) (local.get $ipEnd))
          (then (return (select (local.get $op) (i32.const -1) (i32.eq (local.get $op) (local.get $opEnd))))))
        (local.set $tag (i32.load8_u (local.get $ip)))
        (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
        (if (i32.eqz (i32.and (local.get $tag) (i32.const 3)))
          (then
            ;; literal: length - 1 in the tag, or in the 1-4 bytes after it
            (local.set $len (i32.shr_u (local.get $tag) (i32.const 2)))
            (if (i32.ge_u (local.get $len) (i32.const 60))
              (then
                (local.set $n (i32.sub (local.get $len) (i32.const 59)))
                (br_if $fail (i32.gt_u (local.get $n) (i32.sub (local.get $ipEnd) (local.get $ip))))
                (local.set $len (i32.load (local.get $ip)))
                (if (i32.lt_u (local.get $n) (i32.const 4))
                  (then (local.set $len (i32.and (local.get $len)
                    (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $n) (i32.const 3))) (i32.const 1))))))
                (local.set $ip (i32.add (local.get $ip) (local.get $n)))))
            ;; len + 1 bytes must lie in the input and fit the output
            (br_if $fail (i32.ge_u (local.get $len) (i32.sub (local.get $ipEnd) (local.get $ip))))
            (br_if $fail (i32.ge_u (local.get $len) (i32.sub (local.get $opEnd) (local.get $op))))
            (local.set $len (i32.add (local.get $len) (i32.const 1)))
            (if (i32.le_u (local.get $len) (i32.const 16))
              (then
                (i64.store (local.get $op) (i64.load (local.get $ip)))
                (i64.store offset=8 (local.get $op) (i64.load offset=8 (local.get $ip))))
              (else (memory.copy (local.get $op) (local.get $ip) (local.get $len))))
            (local.set $ip (i32.add (local.get $ip) (local.get $len)))
            (local.set $op (i32.add (local.get $op) (local.get $len)))
            (br $next)))
        ;; copy of earlier output: 1-, 2- or 4-byte offset
        (if (i32.eq (i32.and (local.get $tag) (i32.const 3)) (i32.const 1))
          (then
            (br_if $fail (i32.ge_u (local.get $ip) (local.get $ipEnd)))
            (local.set $len (i32.add (i32.and (i32.shr_u (local.get $tag) (i32.const 2)) (i32.const 7)) (i32.const 4)))
            (local.set $off (i32.or (i32.shl (i32.shr_u (local.get $tag) (i32.const 5)) (i32.const 8)) (i32.load8_u (local.get $ip))))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1))))
          (else
            (local.set $len (i32.add (i32.shr_u (local.get $tag) (i32.const 2)) (i32.const 1)))
            (if (i32.eq (i32.and (local.get $tag) (i32.const 3)) (i32.const 2))
              (then
                (br_if $fail (i32.gt_u (i32.const 2) (i32.sub (local.get $ipEnd) (local.get $ip))))
                (local.set $off (i32.load16_u (local.get $ip)))
                (local.set $ip (i32.add (local.get $ip) (i32.const 2))))
              (else
                (br_if $fail (i32.gt_u (i32.const 4) (i32.sub (local.get $ipEnd) (local.get $ip))))
                (local.set $off (i32.load (local.get $ip)))
                (local.set $ip (i32.add (local.get $ip) (i32.const 4)))))))
        (br_if $fail (i32.eqz (local.get $off)))
        (br_if $fail (i32.gt_u (local.get $off) (i32.sub (local.get $op) (local.get $base))))
        (br_if $fail (i32.gt_u (local.get $len) (i32.sub (local.get $opEnd) (local.get $op))))
        (local.set $from (i32.sub (local.get $op) (local.get $off)))
        (local.set $stop (i32.add (local.get $op) (local.get $len)))
        (if (i32.ge_u (local.get $off) (i32.const 8))
          (then
            ;; 8 bytes at a time: each word read lies wholly before where it is written, as a byte-by-byte copy reads
            (loop $words
              (i64.store (local.get $op) (i64.load (local.get $from)))
              (local.set $op (i32.add (local.get $op) (i32.const 8)))
              (local.set $from (i32.add (local.get $from) (i32.const 8)))
              (br_if $words (i32.lt_u (local.get $op) (local.get $stop)))))
          (else
            ;; a pattern shorter than 8 bytes repeated: byte by byte
            (loop $bytes
              (i32.store8 (local.get $op) (i32.load8_u (local.get $from)))
              (local.set $op (i32.add (local.get $op) (i32.const 1)))
              (local.set $from (i32.add (local.get $from) (i32.const 1)))
              (br_if $bytes (i32.lt_u (local.get $op) (local.get $stop))))))
        (local.set $op (local.get $stop))
        (br $next)))
    (i32.const -1)))
