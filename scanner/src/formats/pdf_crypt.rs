//! The PDF standard security handler, for the one case a reader opens
//! without asking anything: the empty user password. Such a PDF is
//! encrypted only to restrict editing or printing ("owner password");
//! Acrobat opens it at once, so Écluse decrypts it and scans inside
//! (ClamAV issues 770 and 1833).
//!
//! Every revision is read: 2 to 4 (ISO 32000-1 §7.6.3: RC4 of 40 to 128
//! bits, AES-128 by crypt filter `AESV2`), 5 (Adobe's extension level 3:
//! AES-256, SHA-256 of the password) and 6 (ISO 32000-2 §7.6.4.3.3 and
//! §7.6.4.4: AES-256, the hash of Algorithm 2.B over SHA-256, SHA-384 and
//! SHA-512 rounds). A PDF that needs a password, or another handler (public
//! key, a vendor's DRM), stays encrypted and is held as
//! `encrypted_archive`. The ciphers are RustCrypto's.

use aes::{Aes128, Aes256};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::NoPadding};
use md5::{Digest, Md5};
use rc4::{KeyInit, Rc4, StreamCipher};

/// The padding string of Algorithm 2, step a (ISO 32000-1 §7.6.3.3).
const PAD: [u8; 32] = [
    0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
    0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
];

/// How strings or streams are encrypted (a crypt filter's `/CFM`,
/// ISO 32000-1 §7.6.5, Table 25; or the handler's version without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// `/Identity` or `/None`: not encrypted.
    Identity,
    /// `/V2`, or versions 1 and 2 of the handler: RC4 with a key per object.
    Rc4,
    /// `/AESV2`: AES-128 in CBC mode with a key per object.
    Aes128,
    /// `/AESV3`: AES-256 in CBC mode with the file key itself.
    Aes256,
}

/// The file's encryption key, found with the empty user password.
#[derive(Debug, Clone)]
pub(crate) struct FileKey {
    key: Vec<u8>,
    /// How streams are encrypted (`/StmF`).
    pub(crate) streams: Method,
    /// How strings are encrypted (`/StrF`).
    pub(crate) strings: Method,
}

/// What the encryption dictionary and the trailer say.
pub(crate) struct Params<'a> {
    /// `/R`, the handler's revision.
    pub revision: u32,
    /// `/Length` in bits (40 when absent).
    pub length_bits: u32,
    /// `/O` and `/U`: 32 bytes each for revisions 2 to 4, 48 for 5 and 6.
    pub owner: &'a [u8],
    pub user: &'a [u8],
    /// `/UE`: the file key encrypted with the user password's key
    /// (revisions 5 and 6, 32 bytes).
    pub user_key: &'a [u8],
    /// `/P`, the permission flags.
    pub permissions: i32,
    /// The first string of the trailer's `/ID`.
    pub id0: &'a [u8],
    /// `/EncryptMetadata` (true when absent).
    pub encrypt_metadata: bool,
    /// How streams and strings are encrypted.
    pub streams: Method,
    pub strings: Method,
}

fn rc4(key: &[u8], data: &mut [u8]) {
    // RC4 takes keys of 5 to 16 bytes here (40 to 128 bits).
    if let Ok(mut cipher) = Rc4::new_from_slice(key) {
        cipher.apply_keystream(data);
    }
}

/// The file key for the empty user password, when it opens the file.
/// `None`: a password is needed, or the revision is not one of 2 to 6.
pub(crate) fn empty_password_key(p: &Params<'_>) -> Option<FileKey> {
    let key = match p.revision {
        2..=4 => key_r2_to_r4(p)?,
        5 | 6 => key_r5_r6(p)?,
        _ => return None,
    };
    Some(FileKey {
        key,
        streams: p.streams,
        strings: p.strings,
    })
}

/// Algorithm 2 (the key from a password, here the empty one), checked by
/// Algorithm 6 (the user password is the empty one iff `/U` matches what
/// Algorithms 4 and 5 compute).
fn key_r2_to_r4(p: &Params<'_>) -> Option<Vec<u8>> {
    if p.owner.len() < 32 || p.user.len() < 16 {
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
    matches.then_some(key)
}

/// Algorithm 2.A (ISO 32000-2 §7.6.4.3.3) for the empty password: `/U` is
/// a 32-byte hash, an 8-byte validation salt and an 8-byte key salt; the
/// password is right when the hash of it and the validation salt is the
/// first 32 bytes, and the file key is then `/UE` decrypted (AES-256, CBC,
/// a zero IV, no padding) with the hash of it and the key salt.
fn key_r5_r6(p: &Params<'_>) -> Option<Vec<u8>> {
    if p.user.len() < 48 || p.user_key.len() < 32 {
        return None;
    }
    let (hash, validation_salt, key_salt) = (&p.user[..32], &p.user[32..40], &p.user[40..48]);
    let password: &[u8] = b"";
    let check = revision_hash(p.revision, password, validation_salt, &[]);
    if check[..] != hash[..] {
        return None;
    }
    let intermediate = revision_hash(p.revision, password, key_salt, &[]);
    let mut file_key = p.user_key[..32].to_vec();
    let decryptor = cbc::Decryptor::<Aes256>::new_from_slices(&intermediate, &[0u8; 16]).ok()?;
    decryptor.decrypt_padded::<NoPadding>(&mut file_key).ok()?;
    Some(file_key)
}

/// The hash of a password with a salt (and, for the owner password, the
/// 48 bytes of `/U`): SHA-256 for revision 5; Algorithm 2.B for revision 6.
fn revision_hash(revision: u32, password: &[u8], salt: &[u8], udata: &[u8]) -> [u8; 32] {
    let mut first = Vec::with_capacity(password.len() + salt.len() + udata.len());
    first.extend_from_slice(password);
    first.extend_from_slice(salt);
    first.extend_from_slice(udata);
    let k = sha256(&first);
    if revision == 5 {
        return k;
    }
    algorithm_2b(password, k.to_vec(), udata)
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&<sha2::Sha256 as sha2::Digest>::digest(data));
    out
}

/// Algorithm 2.B (ISO 32000-2 §7.6.4.3.4), from `k` = SHA-256(password,
/// salt, udata): rounds of K1 = 64 × (password, K, udata), E = AES-128-CBC
/// of K1 (key: K's first 16 bytes, IV: its next 16, no padding), K = the
/// SHA-256, -384 or -512 of E as the first 16 bytes of E taken as a number
/// are 0, 1 or 2 modulo 3; at least 64 rounds, and until the last byte of
/// E is at most the round number minus 32. The first 32 bytes of K.
fn algorithm_2b(password: &[u8], mut k: Vec<u8>, udata: &[u8]) -> [u8; 32] {
    let mut round = 0u32;
    loop {
        let mut k1 = Vec::with_capacity(64 * (password.len() + k.len() + udata.len()));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let len = k1.len();
        let Ok(encryptor) = cbc::Encryptor::<Aes128>::new_from_slices(&k[..16], &k[16..32]) else {
            break;
        };
        // K1 is 64 times a multiple of 16 bytes: no padding needed.
        let Ok(e) = encryptor.encrypt_padded::<NoPadding>(&mut k1, len) else {
            break;
        };
        let e = e.to_vec();
        // A 128-bit number modulo 3: each byte weighs 256 ≡ 1 (mod 3).
        let remainder = e[..16].iter().map(|&b| b as u32).sum::<u32>() % 3;
        k = match remainder {
            0 => sha256(&e).to_vec(),
            1 => <sha2::Sha384 as sha2::Digest>::digest(&e).to_vec(),
            _ => <sha2::Sha512 as sha2::Digest>::digest(&e).to_vec(),
        };
        round += 1;
        let last = *e.last().unwrap_or(&0) as u32;
        if round >= 64 && last + 32 <= round {
            break;
        }
        // The rule ends the loop by round 288 (the last byte is at most 255).
        if round > 4096 {
            break;
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&k[..32]);
    out
}

impl FileKey {
    /// Decrypts the data of a stream of object `num`, generation
    /// `generation` (Algorithm 1 of ISO 32000-1 §7.6.2 for RC4 and AES-128;
    /// the file key itself for AES-256). AES data that is not whole blocks
    /// loses its last partial block; a wrong padding is kept as it is
    /// (readers are lenient).
    pub(crate) fn decrypt_stream(&self, num: u32, generation: u16, data: &[u8]) -> Vec<u8> {
        self.decrypt(self.streams, num, generation, data)
    }

    /// Decrypts a string of object `num`, generation `generation`.
    pub(crate) fn decrypt_string(&self, num: u32, generation: u16, data: &[u8]) -> Vec<u8> {
        self.decrypt(self.strings, num, generation, data)
    }

    fn decrypt(&self, method: Method, num: u32, generation: u16, data: &[u8]) -> Vec<u8> {
        match method {
            Method::Identity => data.to_vec(),
            Method::Rc4 => {
                let mut out = data.to_vec();
                rc4(&self.object_key(num, generation, false), &mut out);
                out
            }
            Method::Aes128 => aes_cbc(&self.object_key(num, generation, true), data),
            Method::Aes256 => aes_cbc(&self.key, data),
        }
    }

    /// Algorithm 1: MD5 of the file key, the object number's three low
    /// bytes, the generation's two, and `sAlT` for AES; `n + 5` bytes of it
    /// (16 at most).
    fn object_key(&self, num: u32, generation: u16, aes: bool) -> Vec<u8> {
        let mut md5 = Md5::new();
        md5.update(&self.key);
        md5.update(&num.to_le_bytes()[..3]);
        md5.update(generation.to_le_bytes());
        if aes {
            md5.update(b"sAlT");
        }
        let digest = md5.finalize();
        digest[..(self.key.len() + 5).min(16)].to_vec()
    }
}

/// AES in CBC mode (a 16-byte key: AES-128; a 32-byte one: AES-256):
/// the first 16 bytes are the IV; a last partial block is dropped; PKCS #7
/// padding removed when it is well formed.
fn aes_cbc(key: &[u8], data: &[u8]) -> Vec<u8> {
    if data.len() < 32 {
        return Vec::new();
    }
    let (iv, body) = data.split_at(16);
    let mut buf = body[..body.len() / 16 * 16].to_vec();
    let done = if key.len() == 32 {
        cbc::Decryptor::<Aes256>::new_from_slices(key, iv)
            .ok()
            .and_then(|d| d.decrypt_padded::<NoPadding>(&mut buf).ok().map(|_| ()))
    } else {
        cbc::Decryptor::<Aes128>::new_from_slices(key, iv)
            .ok()
            .and_then(|d| d.decrypt_padded::<NoPadding>(&mut buf).ok().map(|_| ()))
    };
    if done.is_none() {
        return Vec::new();
    }
    let pad = *buf.last().unwrap_or(&0) as usize;
    if (1..=16).contains(&pad)
        && pad <= buf.len()
        && buf[buf.len() - pad..].iter().all(|&b| b as usize == pad)
    {
        buf.truncate(buf.len() - pad);
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn params<'a>(owner: &'a [u8], user: &'a [u8], id0: &'a [u8]) -> Params<'a> {
        Params {
            revision: 3,
            length_bits: 128,
            owner,
            user,
            user_key: &[],
            permissions: -3900,
            id0,
            encrypt_metadata: true,
            streams: Method::Rc4,
            strings: Method::Rc4,
        }
    }

    /// The dictionary of `realworld/t2-11` (RC4, 128 bits, revision 3).
    #[test]
    fn a_permissions_only_pdf_opens_with_the_empty_password() {
        let owner = hex("915245D725C03A001AA0381A9CE51CB336B14F63A2D2271D298E46C8F1D05BEE");
        let user = hex("8D2373FA03FD902C8FC6F657EE4F029800000000000000000000000000000000");
        let id0 = hex("4AE937DDED1B5552A3621033F8DCB244");
        assert!(empty_password_key(&params(&owner, &user, &id0)).is_some());
        // Another /U: a user password is needed.
        let other = hex("00112233445566778899AABBCCDDEEFF00000000000000000000000000000000");
        assert!(empty_password_key(&params(&owner, &other, &id0)).is_none());
    }

    /// The dictionary of `realworld/t3-14` (AES-256, revision 6, written by
    /// another tool than ours): the empty password opens it.
    #[test]
    fn a_revision_6_pdf_opens_with_the_empty_password() {
        let owner = hex(
            "B7DA999D934BE457E0839258454667E17AA74FF9718776C12856B28EE4F5EF376F0D5DB42694F00762F1265B5DED08D9",
        );
        let user = hex(
            "478AC9E7CC7E6F4FA550673478ACCC880027DE4F0AA8ADFE513460141E80EC5196A55705D592F861F8F1C57248C74920",
        );
        let ue = hex("87AB619B70633DFF2AD6081CCEF4DA28E56D2A666D22D0465FB418B75432A8BE");
        let p = Params {
            revision: 6,
            length_bits: 256,
            owner: &owner,
            user: &user,
            user_key: &ue,
            permissions: -1340,
            id0: b"",
            encrypt_metadata: true,
            streams: Method::Aes256,
            strings: Method::Aes256,
        };
        let key = empty_password_key(&p).expect("the empty password opens it");
        assert_eq!(key.key.len(), 32);
        // /Perms decrypts (AES-256, ECB: one block, a zero IV) to the
        // permissions, then "T" or "F", then "adb" (ISO 32000-2 §7.6.4.4.9,
        // Algorithm 13): the key is the file's.
        let perms = hex("B844E33D03A3D771262F87737B05404D");
        let mut block = perms.clone();
        cbc::Decryptor::<Aes256>::new_from_slices(&key.key, &[0u8; 16])
            .unwrap()
            .decrypt_padded::<NoPadding>(&mut block)
            .unwrap();
        assert_eq!(&block[9..12], b"adb");
        assert_eq!(i32::from_le_bytes(block[..4].try_into().unwrap()), -1340);
        // Another validation salt: a password is needed.
        let mut wrong = user.clone();
        wrong[32] ^= 1;
        assert!(empty_password_key(&Params { user: &wrong, ..p }).is_none());
    }

    /// Revision 5 (Adobe extension level 3): SHA-256 of the password and
    /// a salt, written here from the definition, opens with the empty
    /// password; a user password does not.
    #[test]
    fn a_revision_5_pdf_opens_with_the_empty_password() {
        use cbc::cipher::BlockModeEncrypt;
        let file_key = [0x5au8; 32];
        let (vsalt, ksalt) = (*b"validsal", *b"keysalt!");
        let r5 = |password: &[u8]| {
            let mut u = sha256(&[password, &vsalt].concat()).to_vec();
            u.extend_from_slice(&vsalt);
            u.extend_from_slice(&ksalt);
            let mut ue = file_key.to_vec();
            cbc::Encryptor::<Aes256>::new_from_slices(
                &sha256(&[password, &ksalt].concat()),
                &[0; 16],
            )
            .unwrap()
            .encrypt_padded::<NoPadding>(&mut ue, 32)
            .unwrap();
            (u, ue)
        };
        let (user, ue) = r5(b"");
        let p = Params {
            revision: 5,
            length_bits: 256,
            owner: &[0; 48],
            user: &user,
            user_key: &ue,
            permissions: -4,
            id0: b"",
            encrypt_metadata: true,
            streams: Method::Aes256,
            strings: Method::Aes256,
        };
        assert_eq!(
            empty_password_key(&p).map(|k| k.key),
            Some(file_key.to_vec())
        );
        let (user, ue) = r5(b"secret");
        let locked = Params {
            user: &user,
            user_key: &ue,
            ..p
        };
        assert!(empty_password_key(&locked).is_none());
    }

    #[test]
    fn aes_strings_and_streams_round_trip() {
        let key = FileKey {
            key: vec![7; 32],
            streams: Method::Aes256,
            strings: Method::Identity,
        };
        let iv = [3u8; 16];
        let mut data = b"/S /JavaScript".to_vec();
        let n = data.len();
        data.resize(16, 16 - n as u8);
        let enc = cbc::Encryptor::<Aes256>::new_from_slices(&[7; 32], &iv)
            .unwrap()
            .encrypt_padded::<NoPadding>(&mut data, 16)
            .unwrap()
            .to_vec();
        let mut wire = iv.to_vec();
        wire.extend_from_slice(&enc);
        assert_eq!(key.decrypt_stream(1, 0, &wire), b"/S /JavaScript");
        assert_eq!(key.decrypt_string(1, 0, b"plain"), b"plain");
        // Short or ragged data never panics.
        assert!(key.decrypt_stream(1, 0, &wire[..20]).is_empty());
        let _ = key.decrypt_stream(1, 0, &wire[..31]);
    }
}
