//! The PDF standard security handler (ISO 32000-1 §7.6.3), for the one
//! case a reader opens without asking anything: the empty user password.
//! Such a PDF is encrypted only to restrict editing or printing ("owner
//! password"); Acrobat opens it at once, so Écluse decrypts it and scans
//! inside (ClamAV issue 770). Revisions 2 to 4 (RC4 40 to 128 bits, and
//! AES-128 by crypt filter) are read; a PDF that needs a password, or that
//! uses AES-256 (revisions 5 and 6) or another handler, stays encrypted and
//! is held as `encrypted_archive`. The ciphers are RustCrypto's.

use aes::Aes128;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use md5::{Digest, Md5};
use rc4::{KeyInit, Rc4, StreamCipher};

/// The padding string of Algorithm 2, step a (ISO 32000-1 §7.6.3.3).
const PAD: [u8; 32] = [
    0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
    0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
];

/// The file's encryption key, found with the empty user password.
pub(crate) struct FileKey {
    key: Vec<u8>,
    /// AES-128 (crypt filter method `AESV2`) rather than RC4.
    aes: bool,
}

/// What the encryption dictionary and the trailer say.
pub(crate) struct Params<'a> {
    /// `/R`, the handler's revision.
    pub revision: u32,
    /// `/Length` in bits (40 when absent).
    pub length_bits: u32,
    /// `/O` and `/U`, 32 bytes each for revisions 2 to 4.
    pub owner: &'a [u8],
    pub user: &'a [u8],
    /// `/P`, the permission flags.
    pub permissions: i32,
    /// The first string of the trailer's `/ID`.
    pub id0: &'a [u8],
    /// `/EncryptMetadata` (true when absent).
    pub encrypt_metadata: bool,
    /// The crypt filter of streams is `AESV2`.
    pub aes: bool,
}

fn rc4(key: &[u8], data: &mut [u8]) {
    // RC4 takes keys of 5 to 16 bytes here (40 to 128 bits).
    if let Ok(mut cipher) = Rc4::new_from_slice(key) {
        cipher.apply_keystream(data);
    }
}

/// Algorithm 2 (the key from a password, here the empty one), checked by
/// Algorithm 6 (the user password is the empty one iff `/U` matches what
/// Algorithms 4 and 5 compute). `None`: a password is needed, or the
/// revision is not one of 2 to 4.
pub(crate) fn empty_password_key(p: &Params<'_>) -> Option<FileKey> {
    if !(2..=4).contains(&p.revision) || p.owner.len() < 32 || p.user.len() < 16 {
        return None;
    }
    let n = if p.revision == 2 {
        5
    } else {
        (p.length_bits / 8).clamp(5, 16) as usize
    };
    let mut md5 = Md5::new();
    md5.update(PAD);
    md5.update(&p.owner[..32]);
    md5.update(p.permissions.to_le_bytes());
    md5.update(p.id0);
    if p.revision >= 4 && !p.encrypt_metadata {
        md5.update([0xff; 4]);
    }
    let mut key = md5.finalize().to_vec();
    if p.revision >= 3 {
        for _ in 0..50 {
            key = Md5::digest(&key[..n]).to_vec();
        }
    }
    key.truncate(n);
    let matches = if p.revision == 2 {
        let mut u = PAD;
        rc4(&key, &mut u);
        p.user.len() >= 32 && u[..] == p.user[..32]
    } else {
        let mut md5 = Md5::new();
        md5.update(PAD);
        md5.update(p.id0);
        let mut u = md5.finalize().to_vec();
        for i in 0..20u8 {
            let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
            rc4(&k, &mut u);
        }
        u[..16] == p.user[..16]
    };
    matches.then_some(FileKey { key, aes: p.aes })
}

impl FileKey {
    /// Decrypts the data of a stream of object `num`, generation `gen`
    /// (Algorithm 1: the object's key from the file key, the object and
    /// generation numbers, and `sAlT` for AES). `None` when AES data is
    /// not whole blocks or its padding is wrong.
    pub(crate) fn decrypt(&self, num: u32, generation: u16, data: &[u8]) -> Option<Vec<u8>> {
        let mut md5 = Md5::new();
        md5.update(&self.key);
        md5.update(&num.to_le_bytes()[..3]);
        md5.update(generation.to_le_bytes());
        if self.aes {
            md5.update(b"sAlT");
        }
        let digest = md5.finalize();
        let object_key = &digest[..(self.key.len() + 5).min(16)];
        if self.aes {
            if data.len() < 32 {
                return Some(Vec::new());
            }
            let (iv, body) = data.split_at(16);
            let mut buf = body.to_vec();
            let decryptor = cbc::Decryptor::<Aes128>::new_from_slices(object_key, iv).ok()?;
            let plain = decryptor.decrypt_padded::<Pkcs7>(&mut buf).ok()?;
            Some(plain.to_vec())
        } else {
            let mut out = data.to_vec();
            rc4(object_key, &mut out);
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dictionary of `realworld/t2-11` (RC4, 128 bits, revision 3).
    #[test]
    fn a_permissions_only_pdf_opens_with_the_empty_password() {
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let owner = hex("915245D725C03A001AA0381A9CE51CB336B14F63A2D2271D298E46C8F1D05BEE");
        let user = hex("8D2373FA03FD902C8FC6F657EE4F029800000000000000000000000000000000");
        let id0 = hex("4AE937DDED1B5552A3621033F8DCB244");
        let params = Params {
            revision: 3,
            length_bits: 128,
            owner: &owner,
            user: &user,
            permissions: -3900,
            id0: &id0,
            encrypt_metadata: true,
            aes: false,
        };
        assert!(empty_password_key(&params).is_some());
        // Another /U: a user password is needed.
        let other = hex("00112233445566778899AABBCCDDEEFF00000000000000000000000000000000");
        let needs_password = Params {
            user: &other,
            ..params
        };
        assert!(empty_password_key(&needs_password).is_none());
    }
}
