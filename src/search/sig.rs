//! Query-independent fingerprints of a unit (a 1024-bit bigram set and the hashes of its
//! words) and the upper bounds they give: a substring within `k` edits of a query form
//! keeps at least `len - 1 - 2k` of the form's bigrams, all of which the unit must hold.

/// Bits in a bigram signature.
const SIG_BITS: usize = 1024;

/// Set of (hashed) bigrams of a unit's compact text, its sorted token forms included.
#[derive(Clone, Debug)]
pub(crate) struct Sig([u64; SIG_BITS / 64]);

impl Default for Sig {
    fn default() -> Self {
        Sig([0; SIG_BITS / 64])
    }
}

/// Signature bit of the bigram `ab`.
#[inline]
pub(crate) fn bigram_bit(a: char, b: char) -> u16 {
    let h = (a as u32).wrapping_mul(0x9E37_79B1) ^ (b as u32).wrapping_mul(0x85EB_CA77);
    (h.wrapping_mul(0xC2B2_AE35) >> 22) as u16
}

impl Sig {
    fn insert(&mut self, a: char, b: char) {
        let bit = bigram_bit(a, b) as usize;
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    #[inline]
    pub(crate) fn has(&self, bit: u16) -> bool {
        let bit = bit as usize;
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Bigrams of `chars`' words joined by single spaces, plus a space before the first
    /// and after the last word (so every sorted arrangement of the words is covered).
    pub(crate) fn of_words(chars: &[char], words: &[(u32, u32)]) -> Self {
        let mut sig = Sig::default();
        for &(s, e) in words {
            let w = &chars[s as usize..e as usize];
            if let (Some(&first), Some(&last)) = (w.first(), w.last()) {
                sig.insert(' ', first);
                sig.insert(last, ' ');
            }
            for p in w.windows(2) {
                sig.insert(p[0], p[1]);
            }
        }
        sig
    }
}

/// 64-bit FNV-1a hash of a word.
pub(crate) fn word_hash(w: &[char]) -> u64 {
    w.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
        (h ^ c as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The bigrams of one query form (the query, its sorted or unique-sorted tokens).
#[derive(Clone, Debug, Default)]
pub(crate) struct FormBigrams {
    len: usize,
    bits: Vec<u16>,
}

impl FormBigrams {
    pub(crate) fn new(form: &[char]) -> Self {
        FormBigrams {
            len: form.len(),
            bits: form.windows(2).map(|p| bigram_bit(p[0], p[1])).collect(),
        }
    }

    /// Upper bound of `partial_ratio(form, x)` for any `x` whose bigrams are all in
    /// `sig`, when the form is the needle: `100 * (1 - k / (2 * len))` with `k` the
    /// least number of edits the missing bigrams imply.
    pub(crate) fn partial_bound(&self, sig: &Sig) -> f64 {
        if self.len == 0 {
            return 100.0;
        }
        let kept = self.bits.iter().filter(|&&b| sig.has(b)).count();
        let k = (self.bits.len() - kept).div_ceil(2);
        100.0 * (1.0 - k as f64 / (2 * self.len) as f64)
    }
}
