//! Where given bytes occur, 64 bytes at a time, as bit masks: for the
//! passes over whole objects that look for a few byte values which random
//! data holds often (a `/` every 256 bytes), where a `memchr` that stops at
//! every occurrence costs more than the read itself.
//!
//! SSE2 (the x86-64 baseline) or AVX2 when the processor has it; a
//! portable loop elsewhere. The property test below holds the three to
//! the same answers.

/// Calls `f(offset, masks)` for every 64-byte block of `bytes`, in order:
/// bit `i` of `masks[k]` is set when `bytes[offset + i] == wants[k]`. The
/// last, short block is padded with zeros (so a `wants` of 0 would match
/// the padding; none of the callers looks for 0).
pub(crate) fn block_masks<const N: usize>(
    bytes: &[u8],
    wants: [u8; N],
    f: impl FnMut(usize, [u64; N]),
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { block_masks_avx2(bytes, wants, f) };
        }
        run(bytes, &wants, f, masks_sse2)
    }
    #[cfg(not(target_arch = "x86_64"))]
    run(bytes, &wants, f, masks_portable)
}

/// [`block_masks`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn block_masks_avx2<const N: usize>(bytes: &[u8], wants: [u8; N], f: impl FnMut(usize, [u64; N])) {
    run(bytes, &wants, f, |block, wants| masks_avx2(block, wants))
}

#[inline(always)]
fn run<const N: usize>(
    bytes: &[u8],
    wants: &[u8; N],
    mut f: impl FnMut(usize, [u64; N]),
    masks: impl Fn(&[u8; 64], &[u8; N]) -> [u64; N],
) {
    let blocks = bytes.chunks_exact(64);
    let rest = blocks.remainder();
    for (n, block) in blocks.enumerate() {
        if let Ok(block) = <&[u8; 64]>::try_from(block) {
            f(n * 64, masks(block, wants));
        }
    }
    if !rest.is_empty() {
        let mut padded = [0u8; 64];
        padded[..rest.len()].copy_from_slice(rest);
        f(bytes.len() - rest.len(), masks(&padded, wants));
    }
}

#[cfg(any(test, not(target_arch = "x86_64")))]
fn masks_portable<const N: usize>(block: &[u8; 64], wants: &[u8; N]) -> [u64; N] {
    wants.map(|want| {
        block
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &b)| m | u64::from(b == want) << i)
    })
}

#[cfg(target_arch = "x86_64")]
fn masks_sse2<const N: usize>(block: &[u8; 64], wants: &[u8; N]) -> [u64; N] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut out = [0u64; N];
    for (i, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86-64 baseline; `lane` is 16
        // readable bytes and the load is unaligned.
        unsafe {
            let v = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            for (m, &want) in out.iter_mut().zip(wants) {
                let bits = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(want as i8)));
                *m |= u64::from(bits as u16) << (16 * i);
            }
        }
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn masks_avx2<const N: usize>(block: &[u8; 64], wants: &[u8; N]) -> [u64; N] {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let mut out = [0u64; N];
    for (i, lane) in block.chunks_exact(32).enumerate() {
        // SAFETY: `lane` is 32 readable bytes; the load is unaligned.
        let v = unsafe { _mm256_loadu_si256(lane.as_ptr().cast::<__m256i>()) };
        for (m, &want) in out.iter_mut().zip(wants) {
            let bits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(want as i8)));
            *m |= u64::from(bits as u32) << (32 * i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_implementation_finds_the_same_bytes(
            bytes in prop::collection::vec(prop_oneof![Just(b'/'), Just(b's'), any::<u8>()], 0..300)
        ) {
            let wants = [b'/', b's', b'J'];
            let mut found = Vec::new();
            block_masks(&bytes, wants, |at, m| found.push((at, m)));
            let mut slowly = Vec::new();
            run(&bytes, &wants, |at, m| slowly.push((at, m)), masks_portable);
            prop_assert_eq!(&found, &slowly);
            #[cfg(target_arch = "x86_64")]
            {
                let mut sse2 = Vec::new();
                run(&bytes, &wants, |at, m| sse2.push((at, m)), masks_sse2);
                prop_assert_eq!(&sse2, &slowly);
            }
            // Every set bit is an occurrence, every occurrence a set bit.
            let bits: usize = slowly.iter().map(|(_, m)| m[0].count_ones() as usize).sum();
            prop_assert_eq!(bits, bytes.iter().filter(|&&b| b == b'/').count());
        }
    }
}
