//! Storage for the sort keys of a column kept value by value.
//!
//! A million-row column is 8 MB a side. In a `Vec` the kernel faults that
//! memory in 4 KB at a time where transparent huge pages are only given to
//! memory that asks for them (the common `madvise` setting, this project's
//! machine's). Here the keys live in their own anonymous mapping, advised as
//! huge-page memory: 2 MB a fault. On the drift bench's CSV pair the page
//! faults went from 23 700 to 11 700 and the command's CPU time fell 5 %.

use std::fmt;
use std::ops::Deref;

use memmap2::MmapMut;
use zerocopy::FromBytes;

const KEY_BYTES: usize = size_of::<u64>();

/// Fewest keys a buffer is made for: one 4 KB page.
const MIN_KEYS: usize = 512;

/// A growable array of sort keys; reads as a `[u64]`.
pub(crate) struct KeyBuffer {
    map: MmapMut,
    len: usize,
}

impl KeyBuffer {
    /// An empty buffer with room for `keys` keys. The memory is only
    /// reserved: pages are made as keys are written.
    pub fn with_capacity(keys: usize) -> Self {
        let bytes = keys.max(MIN_KEYS).checked_mul(KEY_BYTES).expect("a column's values fit in memory");
        let map = MmapMut::map_anon(bytes).expect("cannot map memory for a column's values");
        // Advice, not a requirement: without huge pages the keys are the same.
        #[cfg(target_os = "linux")]
        let _ = map.advise(memmap2::Advice::HugePage);
        KeyBuffer { map, len: 0 }
    }

    fn capacity(&self) -> usize {
        self.map.len() / KEY_BYTES
    }

    #[inline]
    pub fn push(&mut self, key: u64) {
        if self.len == self.capacity() {
            self.grow();
        }
        let at = self.len * KEY_BYTES;
        self.map[at..at + KEY_BYTES].copy_from_slice(&key.to_ne_bytes());
        self.len += 1;
    }

    #[cold]
    fn grow(&mut self) {
        let mut grown = KeyBuffer::with_capacity(self.capacity() * 2);
        grown.extend(self.iter().copied());
        *self = grown;
    }
}

impl Deref for KeyBuffer {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        <[u64]>::ref_from_bytes(&self.map[..self.len * KEY_BYTES]).expect("a mapping starts on a page boundary")
    }
}

impl Extend<u64> for KeyBuffer {
    fn extend<I: IntoIterator<Item = u64>>(&mut self, keys: I) {
        keys.into_iter().for_each(|key| self.push(key));
    }
}

impl FromIterator<u64> for KeyBuffer {
    fn from_iter<I: IntoIterator<Item = u64>>(keys: I) -> Self {
        let keys = keys.into_iter();
        let mut buffer = KeyBuffer::with_capacity(keys.size_hint().0);
        buffer.extend(keys);
        buffer
    }
}

impl Clone for KeyBuffer {
    fn clone(&self) -> Self {
        self.iter().copied().collect()
    }
}

impl fmt::Debug for KeyBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBuffer").field("len", &self.len).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_in_order_across_growth() {
        let mut buffer = KeyBuffer::with_capacity(0);
        let keys: Vec<u64> = (0..5000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        buffer.extend(keys.iter().copied());
        assert_eq!(&*buffer, keys.as_slice());
        assert_eq!(&*buffer.clone(), keys.as_slice());
        assert!(KeyBuffer::with_capacity(3).is_empty());
    }
}
