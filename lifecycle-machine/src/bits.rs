//! Sets of states as rows of bits: how a derived type's table stores which states each
//! state moves to and which states each event fires from.
//!
//! The derive writes the rows with [`rows`] and the runtime reads them with [`get`], so
//! the layout has this one home. A row holds one bit per state, in [`words`] words of 64
//! bits; row `r` of a table is the `words` words from word `r * words`, and state `i` is
//! bit `i % 64` of its `i / 64`-th word.
//!
//! ```
//! use lifecycle_machine::bits;
//!
//! // Two rows over 70 states, so two words a row.
//! let words = bits::words(70);
//! let table = bits::rows(words, [&[0, 69][..], &[64][..]]);
//! assert_eq!(table, [1, 1 << 5, 0, 1]);
//! assert!(bits::get(&table, words, 0, 69));
//! assert!(bits::get(&table, words, 1, 64));
//! assert!(!bits::get(&table, words, 1, 0));
//! ```

/// The words of 64 bits a row needs to hold one bit for each of `states` states.
#[inline]
pub const fn words(states: usize) -> usize {
    states.div_ceil(64)
}

/// One row of `words` words for each set of state indices, one after the other: bit `i`
/// of a set's row is set for each index `i` in it. An index past the row is left out,
/// rather than panicking: the derive may hold one for a declaration it has already
/// reported as wrong.
pub fn rows<'a>(words: usize, sets: impl IntoIterator<Item = &'a [usize]>) -> Vec<u64> {
    let mut out = Vec::new();
    for set in sets {
        let start = out.len();
        out.resize(start + words, 0);
        for &i in set {
            if let Some(word) = out[start..].get_mut(i / 64) {
                *word |= 1 << (i % 64);
            }
        }
    }
    out
}

/// Whether bit `i` of row `row` is set, in rows of `words` words written by [`rows`].
///
/// # Panics
///
/// When the row or the bit lies past the end of `rows`.
#[inline]
pub fn get(rows: &[u64], words: usize, row: usize, i: usize) -> bool {
    rows[row * words + i / 64] >> (i % 64) & 1 != 0
}

#[cfg(test)]
mod tests {
    use super::{get, rows, words};

    #[test]
    fn rows_fill_each_row_across_its_words_and_skip_indices_past_it() {
        // Two words a row. The 128 of the second row lies past it.
        let table = rows(2, [&[0, 63, 64][..], &[127, 128][..]]);
        assert_eq!(table, [1 | 1 << 63, 1, 0, 1 << 63]);
    }

    #[test]
    fn get_reads_back_every_bit_rows_wrote_across_word_boundaries() {
        let states = 130;
        let sets: Vec<Vec<usize>> = (0..states)
            .map(|r| (0..states).filter(|i| (i + r) % 7 == 0).collect())
            .collect();
        let w = words(states);
        assert_eq!(w, 3);
        let table = rows(w, sets.iter().map(Vec::as_slice));
        assert_eq!(table.len(), states * w);
        for (r, set) in sets.iter().enumerate() {
            for i in 0..states {
                assert_eq!(get(&table, w, r, i), set.contains(&i), "row {r}, bit {i}");
            }
        }
    }

    #[test]
    fn a_row_of_no_states_takes_no_words() {
        assert_eq!(words(0), 0);
        assert_eq!(rows(words(0), [&[][..], &[][..]]), Vec::<u64>::new());
        assert_eq!(words(64), 1);
        assert_eq!(words(65), 2);
    }
}
