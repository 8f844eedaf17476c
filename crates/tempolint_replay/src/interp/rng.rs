//! The workflow RNG: sdk-core derives the seed with SipHash-1-3 of the original run id, and the
//! Python SDK feeds it to `random.Random(seed)` (CPython's Mersenne Twister). Both reproduced
//! bit for bit, so `workflow.uuid4()` (default child ids) matches the recorded run.

/// `str_to_randomness_seed`: `SipHasher13::new()` over Rust's `str` hashing (bytes + 0xff).
pub(crate) fn seed_from_run_id(run_id: &str) -> u64 {
    let mut data = run_id.as_bytes().to_vec();
    data.push(0xff);
    siphash13(&data)
}

fn siphash13(data: &[u8]) -> u64 {
    let (k0, k1) = (0_u64, 0_u64);
    let mut v0 = k0 ^ 0x736f_6d65_7073_6575;
    let mut v1 = k1 ^ 0x646f_7261_6e64_6f6d;
    let mut v2 = k0 ^ 0x6c79_6765_6e65_7261;
    let mut v3 = k1 ^ 0x7465_6462_7974_6573;
    let round = |v0: &mut u64, v1: &mut u64, v2: &mut u64, v3: &mut u64| {
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    };
    let chunks = data.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        let m = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        v3 ^= m;
        round(&mut v0, &mut v1, &mut v2, &mut v3);
        v0 ^= m;
    }
    let mut last = (data.len() as u64 & 0xff) << 56;
    for (index, byte) in tail.iter().enumerate() {
        last |= u64::from(*byte) << (8 * index);
    }
    v3 ^= last;
    round(&mut v0, &mut v1, &mut v2, &mut v3);
    v0 ^= last;
    v2 ^= 0xff;
    for _ in 0..3 {
        round(&mut v0, &mut v1, &mut v2, &mut v3);
    }
    v0 ^ v1 ^ v2 ^ v3
}

/// CPython's `random.Random` (MT19937 with `init_by_array` seeding).
#[derive(Clone)]
pub(crate) struct MersenneTwister {
    state: [u32; 624],
    index: usize,
}

impl MersenneTwister {
    /// `random.Random(seed)` for a non-negative integer seed.
    pub(crate) fn new(seed: u64) -> Self {
        let mut key: Vec<u32> = Vec::new();
        let mut rest = seed;
        while rest > 0 {
            key.push(rest as u32);
            rest >>= 32;
        }
        if key.is_empty() {
            key.push(0);
        }
        let mut twister = MersenneTwister {
            state: [0; 624],
            index: 624,
        };
        twister.init_by_array(&key);
        twister
    }

    fn init_genrand(&mut self, seed: u32) {
        self.state[0] = seed;
        for i in 1..624 {
            let previous = self.state[i - 1];
            self.state[i] = 1_812_433_253_u32
                .wrapping_mul(previous ^ (previous >> 30))
                .wrapping_add(i as u32);
        }
        self.index = 624;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1_usize, 0_usize);
        for _ in 0..624.max(key.len()) {
            let previous = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (previous ^ (previous >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                self.state[0] = self.state[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let previous = self.state[i - 1];
            self.state[i] = (self.state[i]
                ^ (previous ^ (previous >> 30)).wrapping_mul(1_566_083_941))
            .wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                self.state[0] = self.state[623];
                i = 1;
            }
        }
        self.state[0] = 0x8000_0000;
        self.index = 624;
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7fff_ffff);
                let mut next = self.state[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    next ^= 0x9908_b0df;
                }
                self.state[k] = next;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// `getrandbits(k)` for k ≤ 128, as an unsigned integer.
    pub(crate) fn getrandbits(&mut self, bits: u32) -> u128 {
        if bits == 0 {
            return 0;
        }
        if bits <= 32 {
            return u128::from(self.next_u32() >> (32 - bits));
        }
        let mut result: u128 = 0;
        let mut remaining = bits;
        let mut shift = 0;
        while remaining > 0 {
            let mut word = self.next_u32();
            if remaining < 32 {
                word >>= 32 - remaining;
            }
            result |= u128::from(word) << shift;
            shift += 32;
            remaining = remaining.saturating_sub(32);
        }
        result
    }

    /// `random()`: a float in [0, 1) with 53 random bits.
    pub(crate) fn random(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `_randbelow(n)` (rejection sampling over `n.bit_length()` bits).
    pub(crate) fn randbelow(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let bits = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(bits) as u64;
            if r < n {
                return r;
            }
        }
    }

    /// `uuid.UUID(bytes=getrandbits(128).to_bytes(16, "big"), version=4)` as text.
    pub(crate) fn uuid4(&mut self) -> String {
        let mut value = self.getrandbits(128);
        value &= !(0xc000_u128 << 48);
        value |= 0x8000_u128 << 48;
        value &= !(0xf000_u128 << 64);
        value |= 4_u128 << 76;
        let hex = format!("{value:032x}");
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values recorded by the real SDK for run id 01a2234d-78bb-7ab0-9038-5f129d9f247f:
    /// `workflow.uuid4()`, `workflow.random().randint(0, 15)`, then `choice` of four agents.
    #[test]
    fn reproduces_the_sdk_workflow_random() {
        let mut random =
            MersenneTwister::new(seed_from_run_id("01a2234d-78bb-7ab0-9038-5f129d9f247f"));
        assert_eq!(random.uuid4(), "e3cfe7e0-7f2d-433f-8541-7e1fa372376c");
        assert_eq!(random.randbelow(16), 10);
        assert_eq!(random.randbelow(4), 0);
    }

    #[test]
    fn matches_cpython_for_small_seeds() {
        // random.Random(42).random() == 0.6394267984578837
        let mut random = MersenneTwister::new(42);
        assert!((random.random() - 0.639_426_798_457_883_7).abs() < 1e-16);
    }
}
