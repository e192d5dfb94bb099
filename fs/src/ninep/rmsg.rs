//! 9P2000.L replies (R-messages): one struct per message, fields in wire order, and the
//! [`Rmessage`] enum a server builds and a client matches on.
//!
//! Replies that carry nothing are unit structs. `Rread` owns its data for decoding; a server
//! that already has the bytes in a buffer sends them with [`encode_rread`](super::encode_rread)
//! instead, without building an `Rread`.

use super::consts::*;
use super::error::{DecodeErrorKind, EncodeError};
use super::wire::{
    message, message_enum, Codec, Data, DirEntries, DirEntry, Qid, Reader, Str, WalkQids,
};

message! {
    /// `Rversion`: the msize and version the server accepts; `unknown` refuses the version.
    Rversion {
        /// The msize for the connection, at most the client's.
        msize: u32 as u32,
        /// `9P2000.L`, or `unknown`.
        version: Vec<u8> as Str,
    }
}

message! {
    /// `Rauth`: the qid of the authentication file.
    Rauth {
        /// Qid of the authentication file (type `P9_QTAUTH`).
        aqid: Qid as Qid,
    }
}

message! {
    /// `Rattach`: the qid of the tree's root.
    Rattach {
        /// The root's qid.
        qid: Qid as Qid,
    }
}

message! {
    /// `Rlerror`: the request failed with a Linux errno.
    Rlerror {
        /// The errno value, positive.
        ecode: u32 as u32,
    }
}

message! {
    /// `Rflush`: the flushed request will get no reply (or already got one).
    Rflush;
}

message! {
    /// `Rwalk`: the qid of each component walked; fewer than asked means the walk stopped at
    /// the first missing one and `newfid` was not bound.
    Rwalk {
        /// One qid per component walked, at most 16.
        wqids: Vec<Qid> as WalkQids,
    }
}

message! {
    /// `Rread`: the bytes read; empty at end of file.
    Rread {
        /// The data (`count[4] data[count]`).
        data: Vec<u8> as Data,
    }
}

message! {
    /// `Rwrite`: how many bytes were written.
    Rwrite {
        /// Bytes written.
        count: u32 as u32,
    }
}

message! {
    /// `Rclunk`: the fid is forgotten.
    Rclunk;
}

message! {
    /// `Rremove`: the file is removed and the fid forgotten.
    Rremove;
}

message! {
    /// `Rstatfs`: file system statistics, as in `struct statfs`.
    Rstatfs {
        /// File system type magic.
        ty: u32 as u32,
        /// Block size for the block counts.
        bsize: u32 as u32,
        /// Total blocks.
        blocks: u64 as u64,
        /// Free blocks.
        bfree: u64 as u64,
        /// Free blocks available to unprivileged users.
        bavail: u64 as u64,
        /// Total inodes.
        files: u64 as u64,
        /// Free inodes.
        ffree: u64 as u64,
        /// File system id.
        fsid: u64 as u64,
        /// Longest file name.
        namelen: u32 as u32,
    }
}

message! {
    /// `Rlopen`: the opened file's qid and the largest I/O the client should ask for.
    Rlopen {
        /// The file's qid.
        qid: Qid as Qid,
        /// Largest read or write in one message, or 0 for msize minus `IOHDRSZ`.
        iounit: u32 as u32,
    }
}

message! {
    /// `Rlcreate`: the new file's qid and I/O unit.
    Rlcreate {
        /// The new file's qid.
        qid: Qid as Qid,
        /// Largest read or write in one message, or 0 for msize minus `IOHDRSZ`.
        iounit: u32 as u32,
    }
}

message! {
    /// `Rsymlink`: the new link's qid.
    Rsymlink {
        /// The link's qid.
        qid: Qid as Qid,
    }
}

message! {
    /// `Rmknod`: the new node's qid.
    Rmknod {
        /// The node's qid.
        qid: Qid as Qid,
    }
}

message! {
    /// `Rrename`: the file was moved.
    Rrename;
}

message! {
    /// `Rreadlink`: a symbolic link's target.
    Rreadlink {
        /// The target path, bytes.
        target: Vec<u8> as Str,
    }
}

message! {
    /// `Rgetattr`: the attributes of a file; `valid` says which fields are meaningful.
    Rgetattr {
        /// `P9_GETATTR_*` bits of the fields filled in.
        valid: u64 as u64,
        /// The file's qid.
        qid: Qid as Qid,
        /// File type and permission bits (`st_mode`).
        mode: u32 as u32,
        /// Owner.
        uid: u32 as u32,
        /// Group.
        gid: u32 as u32,
        /// Hard link count.
        nlink: u64 as u64,
        /// Device id, for device nodes.
        rdev: u64 as u64,
        /// Size in bytes.
        size: u64 as u64,
        /// Preferred I/O block size.
        blksize: u64 as u64,
        /// Allocated 512-byte blocks.
        blocks: u64 as u64,
        /// Access time, seconds.
        atime_sec: u64 as u64,
        /// Access time, nanoseconds.
        atime_nsec: u64 as u64,
        /// Modification time, seconds.
        mtime_sec: u64 as u64,
        /// Modification time, nanoseconds.
        mtime_nsec: u64 as u64,
        /// Status change time, seconds.
        ctime_sec: u64 as u64,
        /// Status change time, nanoseconds.
        ctime_nsec: u64 as u64,
        /// Birth time, seconds.
        btime_sec: u64 as u64,
        /// Birth time, nanoseconds.
        btime_nsec: u64 as u64,
        /// Inode generation.
        gen: u64 as u64,
        /// Data version, for caching.
        data_version: u64 as u64,
    }
}

message! {
    /// `Rsetattr`: the attributes were changed.
    Rsetattr;
}

message! {
    /// `Rxattrwalk`: the size of the attribute value (or name list) to be read.
    Rxattrwalk {
        /// Bytes the client may read from the new fid.
        size: u64 as u64,
    }
}

message! {
    /// `Rxattrcreate`: the fid now takes the attribute's value.
    Rxattrcreate;
}

message! {
    /// `Rreaddir`: directory entries; none at end of directory. The payload, count included,
    /// must fit the `count` of the `Treaddir` (see [`DirEntry::encoded_len`]).
    Rreaddir {
        /// The entries, in order.
        entries: Vec<DirEntry> as DirEntries,
    }
}

message! {
    /// `Rfsync`: the file is on stable storage.
    Rfsync;
}

message! {
    /// `Rlock`: the outcome of a `Tlock`.
    Rlock {
        /// `P9_LOCK_SUCCESS`, `_BLOCKED`, `_ERROR` or `_GRACE`.
        status: u8 as u8,
    }
}

message! {
    /// `Rgetlock`: the conflicting lock, or the asked lock with type `P9_LOCK_TYPE_UNLCK`
    /// when none conflicts.
    Rgetlock {
        /// `P9_LOCK_TYPE_*`.
        ty: u8 as u8,
        /// First byte of the range.
        start: u64 as u64,
        /// Length of the range; 0 means to end of file.
        length: u64 as u64,
        /// Process id of the holder.
        proc_id: u32 as u32,
        /// Identifies the holder's client.
        client_id: Vec<u8> as Str,
    }
}

message! {
    /// `Rlink`: the hard link was created.
    Rlink;
}

message! {
    /// `Rmkdir`: the new directory's qid.
    Rmkdir {
        /// The directory's qid.
        qid: Qid as Qid,
    }
}

message! {
    /// `Rrenameat`: the name was moved.
    Rrenameat;
}

message! {
    /// `Runlinkat`: the name was removed.
    Runlinkat;
}

message_enum! {
    /// A reply, as a client receives it.
    Rmessage {
        Version(Rversion) = RVERSION,
        Auth(Rauth) = RAUTH,
        Attach(Rattach) = RATTACH,
        Lerror(Rlerror) = RLERROR,
        Flush(Rflush) = RFLUSH,
        Walk(Rwalk) = RWALK,
        Read(Rread) = RREAD,
        Write(Rwrite) = RWRITE,
        Clunk(Rclunk) = RCLUNK,
        Remove(Rremove) = RREMOVE,
        Statfs(Rstatfs) = RSTATFS,
        Lopen(Rlopen) = RLOPEN,
        Lcreate(Rlcreate) = RLCREATE,
        Symlink(Rsymlink) = RSYMLINK,
        Mknod(Rmknod) = RMKNOD,
        Rename(Rrename) = RRENAME,
        Readlink(Rreadlink) = RREADLINK,
        Getattr(Rgetattr) = RGETATTR,
        Setattr(Rsetattr) = RSETATTR,
        Xattrwalk(Rxattrwalk) = RXATTRWALK,
        Xattrcreate(Rxattrcreate) = RXATTRCREATE,
        Readdir(Rreaddir) = RREADDIR,
        Fsync(Rfsync) = RFSYNC,
        Lock(Rlock) = RLOCK,
        Getlock(Rgetlock) = RGETLOCK,
        Link(Rlink) = RLINK,
        Mkdir(Rmkdir) = RMKDIR,
        Renameat(Rrenameat) = RRENAMEAT,
        Unlinkat(Runlinkat) = RUNLINKAT,
    }
}
