//! A bounds-checked cursor over a TLS structure's bytes.
//!
//! TLS structures are sequences of fixed-width integers and length-prefixed vectors (RFC 8446
//! section 3). Every read checks the remaining length and reports a shortfall as
//! [`Error::Truncated`]; a vector's length prefix bounds what is read inside it, because the
//! vector is returned as its own slice, to be read with a cursor of its own.

use crate::dissect::error::Error;

/// Reads integers and vectors from the front of a slice.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    pub fn bytes(&mut self, count: usize) -> Result<&'a [u8], Error> {
        if self.rest.len() < count {
            return Err(Error::Truncated { needed: count - self.rest.len() });
        }
        let (taken, rest) = self.rest.split_at(count);
        self.rest = rest;
        Ok(taken)
    }

    pub fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, Error> {
        let bytes = self.bytes(2)?;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    pub fn u24(&mut self) -> Result<u32, Error> {
        let bytes = self.bytes(3)?;
        Ok(u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]))
    }

    pub fn u32(&mut self) -> Result<u32, Error> {
        let bytes = self.bytes(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// A vector with a one-byte length prefix: `opaque x<0..2^8-1>`.
    pub fn vec8(&mut self) -> Result<&'a [u8], Error> {
        let len = self.u8()?;
        self.bytes(len.into())
    }

    /// A vector with a two-byte length prefix.
    pub fn vec16(&mut self) -> Result<&'a [u8], Error> {
        let len = self.u16()?;
        self.bytes(len.into())
    }

    /// A vector with a three-byte length prefix.
    pub fn vec24(&mut self) -> Result<&'a [u8], Error> {
        let len = self.u24()?;
        self.bytes(len as usize)
    }

    /// Reads big-endian `u16`s until the input ends; an odd byte left over is malformed.
    pub fn u16_list(bytes: &'a [u8]) -> impl Iterator<Item = u16> + 'a {
        bytes.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integers_and_vectors_and_reports_shortfalls() {
        // u8 7, u16 0x0102, u24 0x030405, vec8 of 2 bytes, vec16 of 1 byte
        let bytes = [7, 1, 2, 3, 4, 5, 2, 0xaa, 0xbb, 0, 1, 0xcc];
        let mut reader = Reader::new(&bytes);
        assert_eq!(reader.u8(), Ok(7));
        assert_eq!(reader.u16(), Ok(0x0102));
        assert_eq!(reader.u24(), Ok(0x030405));
        assert_eq!(reader.vec8(), Ok(&[0xaa, 0xbb][..]));
        assert_eq!(reader.vec16(), Ok(&[0xcc][..]));
        assert!(reader.is_empty());
        assert_eq!(reader.u16(), Err(Error::Truncated { needed: 2 }));
        // a vector whose length promises more than is there
        assert_eq!(Reader::new(&[5, 1, 2]).vec8(), Err(Error::Truncated { needed: 3 }));
    }
}
