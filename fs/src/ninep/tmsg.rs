//! 9P2000.L requests (T-messages): one struct per message, fields in wire order, and the
//! [`Tmessage`] enum a server matches on.
//!
//! Field names follow the 9P2000.L documentation (diod's `protocol.md`) and Linux `net/9p`;
//! a field called `type` there is `ty` here. Strings are `Vec<u8>` because names are bytes.

use super::consts::*;
use super::error::{DecodeErrorKind, EncodeError};
use super::wire::{message, message_enum, Codec, Data, Reader, Str, WalkNames};

message! {
    /// `Tversion`: the first message on a connection; proposes the msize and protocol version.
    Tversion {
        /// The largest frame the client will send or accept, header included.
        msize: u32 as u32,
        /// The protocol version the client speaks, `9P2000.L` for v9fs.
        version: Vec<u8> as Str,
    }
}

message! {
    /// `Tauth`: asks for an authentication fid; servers without authentication reply with an
    /// error.
    Tauth {
        /// The fid to carry the authentication exchange.
        afid: u32 as u32,
        /// User name.
        uname: Vec<u8> as Str,
        /// The tree to be attached.
        aname: Vec<u8> as Str,
        /// Numeric uid of the user, or `NONUNAME`.
        n_uname: u32 as u32,
    }
}

message! {
    /// `Tattach`: binds a fid to the root of the tree `aname`.
    Tattach {
        /// The fid that will name the root.
        fid: u32 as u32,
        /// The authentication fid, or `NOFID`.
        afid: u32 as u32,
        /// User name.
        uname: Vec<u8> as Str,
        /// The tree to attach.
        aname: Vec<u8> as Str,
        /// Numeric uid of the user, or `NONUNAME`.
        n_uname: u32 as u32,
    }
}

message! {
    /// `Tflush`: the client no longer wants the reply to `oldtag`.
    Tflush {
        /// Tag of the request to abort.
        oldtag: u16 as u16,
    }
}

message! {
    /// `Twalk`: walks `wnames` from `fid`, binding the result to `newfid` (which may equal
    /// `fid`; no names clones the fid).
    Twalk {
        /// The starting fid.
        fid: u32 as u32,
        /// The fid to bind the destination to.
        newfid: u32 as u32,
        /// Path components, at most 16.
        wnames: Vec<Vec<u8>> as WalkNames,
    }
}

message! {
    /// `Tread`: reads up to `count` bytes at `offset`.
    Tread {
        /// An open fid.
        fid: u32 as u32,
        /// Byte offset in the file.
        offset: u64 as u64,
        /// Most bytes wanted; the reply must also fit the msize.
        count: u32 as u32,
    }
}

message! {
    /// `Twrite`: writes `data` at `offset`.
    Twrite {
        /// An open fid.
        fid: u32 as u32,
        /// Byte offset in the file.
        offset: u64 as u64,
        /// The bytes to write (`count[4] data[count]`).
        data: Vec<u8> as Data,
    }
}

message! {
    /// `Tclunk`: forgets a fid.
    Tclunk {
        /// The fid to forget.
        fid: u32 as u32,
    }
}

message! {
    /// `Tremove`: removes the file behind a fid; the fid is clunked even when this fails.
    Tremove {
        /// The file to remove.
        fid: u32 as u32,
    }
}

message! {
    /// `Tstatfs`: file system statistics (`statfs(2)`).
    Tstatfs {
        /// Any fid in the file system.
        fid: u32 as u32,
    }
}

message! {
    /// `Tlopen`: opens a walked fid.
    Tlopen {
        /// The fid to open.
        fid: u32 as u32,
        /// `P9_DOTL_*` open flags.
        flags: u32 as u32,
    }
}

message! {
    /// `Tlcreate`: creates regular file `name` in the directory `fid` and opens it; afterwards
    /// `fid` names the new file.
    Tlcreate {
        /// The directory, becoming the new file.
        fid: u32 as u32,
        /// Name of the new file.
        name: Vec<u8> as Str,
        /// `P9_DOTL_*` open flags.
        flags: u32 as u32,
        /// Permission bits.
        mode: u32 as u32,
        /// Group of the new file.
        gid: u32 as u32,
    }
}

message! {
    /// `Tsymlink`: creates symbolic link `name` pointing at `symtgt` in directory `fid`.
    Tsymlink {
        /// The directory.
        fid: u32 as u32,
        /// Name of the link.
        name: Vec<u8> as Str,
        /// The link's target.
        symtgt: Vec<u8> as Str,
        /// Group of the link.
        gid: u32 as u32,
    }
}

message! {
    /// `Tmknod`: creates a device node, FIFO or socket `name` in directory `dfid`.
    Tmknod {
        /// The directory.
        dfid: u32 as u32,
        /// Name of the node.
        name: Vec<u8> as Str,
        /// File type and permission bits.
        mode: u32 as u32,
        /// Device major number.
        major: u32 as u32,
        /// Device minor number.
        minor: u32 as u32,
        /// Group of the node.
        gid: u32 as u32,
    }
}

message! {
    /// `Trename`: moves the file `fid` to `name` in directory `dfid`.
    Trename {
        /// The file to move.
        fid: u32 as u32,
        /// The destination directory.
        dfid: u32 as u32,
        /// The new name.
        name: Vec<u8> as Str,
    }
}

message! {
    /// `Treadlink`: reads a symbolic link's target.
    Treadlink {
        /// The link.
        fid: u32 as u32,
    }
}

message! {
    /// `Tgetattr`: stat.
    Tgetattr {
        /// The file.
        fid: u32 as u32,
        /// `P9_GETATTR_*` bits the client wants.
        request_mask: u64 as u64,
    }
}

message! {
    /// `Tsetattr`: changes the attributes selected by `valid`.
    Tsetattr {
        /// The file.
        fid: u32 as u32,
        /// `P9_SETATTR_*` bits saying which fields apply.
        valid: u32 as u32,
        /// New permission bits.
        mode: u32 as u32,
        /// New owner.
        uid: u32 as u32,
        /// New group.
        gid: u32 as u32,
        /// New size.
        size: u64 as u64,
        /// New atime, seconds (with `P9_SETATTR_ATIME_SET`).
        atime_sec: u64 as u64,
        /// New atime, nanoseconds.
        atime_nsec: u64 as u64,
        /// New mtime, seconds (with `P9_SETATTR_MTIME_SET`).
        mtime_sec: u64 as u64,
        /// New mtime, nanoseconds.
        mtime_nsec: u64 as u64,
    }
}

message! {
    /// `Txattrwalk`: binds `newfid` to the extended attribute `name` of `fid` for reading, or
    /// to the list of attribute names when `name` is empty.
    Txattrwalk {
        /// The file.
        fid: u32 as u32,
        /// The fid to read the attribute through.
        newfid: u32 as u32,
        /// Attribute name; empty for the list.
        name: Vec<u8> as Str,
    }
}

message! {
    /// `Txattrcreate`: turns `fid` into extended attribute `name`, whose value the client then
    /// writes and sets by clunking.
    Txattrcreate {
        /// The file, becoming the attribute.
        fid: u32 as u32,
        /// Attribute name.
        name: Vec<u8> as Str,
        /// Length of the value to be written.
        attr_size: u64 as u64,
        /// `setxattr(2)` flags (`XATTR_CREATE`, `XATTR_REPLACE`).
        flags: u32 as u32,
    }
}

message! {
    /// `Treaddir`: reads directory entries starting after `offset`.
    Treaddir {
        /// An open directory.
        fid: u32 as u32,
        /// 0, or the `offset` of the last entry already received.
        offset: u64 as u64,
        /// Most payload bytes wanted.
        count: u32 as u32,
    }
}

message! {
    /// `Tfsync`: flushes a file to stable storage. Linux sends a `datasync` word that diod's
    /// description omits; it is decoded here so the frame has no trailing bytes.
    Tfsync {
        /// An open file.
        fid: u32 as u32,
        /// Non-zero for `fdatasync(2)`.
        datasync: u32 as u32,
    }
}

message! {
    /// `Tlock`: acquires or releases a POSIX record lock.
    Tlock {
        /// An open file.
        fid: u32 as u32,
        /// `P9_LOCK_TYPE_*`.
        ty: u8 as u8,
        /// `P9_LOCK_FLAGS_*`.
        flags: u32 as u32,
        /// First byte of the range.
        start: u64 as u64,
        /// Length of the range; 0 means to end of file.
        length: u64 as u64,
        /// Process id of the lock owner on the client.
        proc_id: u32 as u32,
        /// Identifies the client (its host name for Linux).
        client_id: Vec<u8> as Str,
    }
}

message! {
    /// `Tgetlock`: asks whether a lock like this one would conflict (`F_GETLK`).
    Tgetlock {
        /// An open file.
        fid: u32 as u32,
        /// `P9_LOCK_TYPE_*`.
        ty: u8 as u8,
        /// First byte of the range.
        start: u64 as u64,
        /// Length of the range; 0 means to end of file.
        length: u64 as u64,
        /// Process id of the asker on the client.
        proc_id: u32 as u32,
        /// Identifies the client.
        client_id: Vec<u8> as Str,
    }
}

message! {
    /// `Tlink`: creates hard link `name` in directory `dfid` to the file `fid`.
    Tlink {
        /// The directory.
        dfid: u32 as u32,
        /// The existing file.
        fid: u32 as u32,
        /// Name of the new link.
        name: Vec<u8> as Str,
    }
}

message! {
    /// `Tmkdir`: creates directory `name` in directory `dfid`.
    Tmkdir {
        /// The parent directory.
        dfid: u32 as u32,
        /// Name of the new directory.
        name: Vec<u8> as Str,
        /// Permission bits.
        mode: u32 as u32,
        /// Group of the new directory.
        gid: u32 as u32,
    }
}

message! {
    /// `Trenameat`: renames `oldname` in `olddirfid` to `newname` in `newdirfid`.
    Trenameat {
        /// The source directory.
        olddirfid: u32 as u32,
        /// The name to move.
        oldname: Vec<u8> as Str,
        /// The destination directory.
        newdirfid: u32 as u32,
        /// The new name.
        newname: Vec<u8> as Str,
    }
}

message! {
    /// `Tunlinkat`: removes `name` from directory `dirfd`.
    Tunlinkat {
        /// The directory.
        dirfd: u32 as u32,
        /// The name to remove.
        name: Vec<u8> as Str,
        /// `P9_DOTL_AT_REMOVEDIR` to remove a directory.
        flags: u32 as u32,
    }
}

message_enum! {
    /// A request, as a server receives it.
    Tmessage {
        Version(Tversion) = TVERSION,
        Auth(Tauth) = TAUTH,
        Attach(Tattach) = TATTACH,
        Flush(Tflush) = TFLUSH,
        Walk(Twalk) = TWALK,
        Read(Tread) = TREAD,
        Write(Twrite) = TWRITE,
        Clunk(Tclunk) = TCLUNK,
        Remove(Tremove) = TREMOVE,
        Statfs(Tstatfs) = TSTATFS,
        Lopen(Tlopen) = TLOPEN,
        Lcreate(Tlcreate) = TLCREATE,
        Symlink(Tsymlink) = TSYMLINK,
        Mknod(Tmknod) = TMKNOD,
        Rename(Trename) = TRENAME,
        Readlink(Treadlink) = TREADLINK,
        Getattr(Tgetattr) = TGETATTR,
        Setattr(Tsetattr) = TSETATTR,
        Xattrwalk(Txattrwalk) = TXATTRWALK,
        Xattrcreate(Txattrcreate) = TXATTRCREATE,
        Readdir(Treaddir) = TREADDIR,
        Fsync(Tfsync) = TFSYNC,
        Lock(Tlock) = TLOCK,
        Getlock(Tgetlock) = TGETLOCK,
        Link(Tlink) = TLINK,
        Mkdir(Tmkdir) = TMKDIR,
        Renameat(Trenameat) = TRENAMEAT,
        Unlinkat(Tunlinkat) = TUNLINKAT,
    }
}
