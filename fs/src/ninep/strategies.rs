//! Proptest strategies for every 9P2000.L message, shared by the round-trip tests and the
//! robustness properties.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// Large enough to exercise both sides of u8 boundaries, small enough to keep tests fast.
pub(super) fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..40)
}

pub(super) fn qid() -> impl Strategy<Value = Qid> {
    (any::<u8>(), any::<u32>(), any::<u64>()).prop_map(|(ty, version, path)| Qid {
        ty,
        version,
        path,
    })
}

fn dirent() -> impl Strategy<Value = DirEntry> {
    (qid(), any::<u64>(), any::<u8>(), bytes()).prop_map(|(qid, offset, ty, name)| DirEntry {
        qid,
        offset,
        ty,
        name,
    })
}

/// `strategy!(name -> Type { field in strategy, ... })` builds a strategy for a message struct.
macro_rules! strategy {
    ($fname:ident -> $ty:ident) => {
        pub(super) fn $fname() -> impl Strategy<Value = $ty> {
            Just($ty)
        }
    };
    ($fname:ident -> $ty:ident { $($field:ident in $s:expr),+ $(,)? }) => {
        pub(super) fn $fname() -> impl Strategy<Value = $ty> {
            ($($s,)+).prop_map(|($($field,)+)| $ty { $($field),+ })
        }
    };
}

fn u32s() -> impl Strategy<Value = u32> {
    any::<u32>()
}
fn u64s() -> impl Strategy<Value = u64> {
    any::<u64>()
}

strategy!(tversion -> Tversion { msize in u32s(), version in bytes() });
strategy!(tauth -> Tauth { afid in u32s(), uname in bytes(), aname in bytes(), n_uname in u32s() });
strategy!(tattach -> Tattach {
    fid in u32s(), afid in u32s(), uname in bytes(), aname in bytes(), n_uname in u32s()
});
strategy!(tflush -> Tflush { oldtag in any::<u16>() });
strategy!(twalk -> Twalk { fid in u32s(), newfid in u32s(), wnames in vec(bytes(), 0..=16) });
strategy!(tread -> Tread { fid in u32s(), offset in u64s(), count in u32s() });
strategy!(twrite -> Twrite { fid in u32s(), offset in u64s(), data in vec(any::<u8>(), 0..300) });
strategy!(tclunk -> Tclunk { fid in u32s() });
strategy!(tremove -> Tremove { fid in u32s() });
strategy!(tstatfs -> Tstatfs { fid in u32s() });
strategy!(tlopen -> Tlopen { fid in u32s(), flags in u32s() });
strategy!(tlcreate -> Tlcreate {
    fid in u32s(), name in bytes(), flags in u32s(), mode in u32s(), gid in u32s()
});
strategy!(tsymlink -> Tsymlink {
    fid in u32s(), name in bytes(), symtgt in bytes(), gid in u32s()
});
strategy!(tmknod -> Tmknod {
    dfid in u32s(), name in bytes(), mode in u32s(), major in u32s(), minor in u32s(),
    gid in u32s()
});
strategy!(trename -> Trename { fid in u32s(), dfid in u32s(), name in bytes() });
strategy!(treadlink -> Treadlink { fid in u32s() });
strategy!(tgetattr -> Tgetattr { fid in u32s(), request_mask in u64s() });
strategy!(tsetattr -> Tsetattr {
    fid in u32s(), valid in u32s(), mode in u32s(), uid in u32s(), gid in u32s(),
    size in u64s(), atime_sec in u64s(), atime_nsec in u64s(), mtime_sec in u64s(),
    mtime_nsec in u64s()
});
strategy!(txattrwalk -> Txattrwalk { fid in u32s(), newfid in u32s(), name in bytes() });
strategy!(txattrcreate -> Txattrcreate {
    fid in u32s(), name in bytes(), attr_size in u64s(), flags in u32s()
});
strategy!(treaddir -> Treaddir { fid in u32s(), offset in u64s(), count in u32s() });
strategy!(tfsync -> Tfsync { fid in u32s(), datasync in u32s() });
strategy!(tlock -> Tlock {
    fid in u32s(), ty in any::<u8>(), flags in u32s(), start in u64s(), length in u64s(),
    proc_id in u32s(), client_id in bytes()
});
strategy!(tgetlock -> Tgetlock {
    fid in u32s(), ty in any::<u8>(), start in u64s(), length in u64s(), proc_id in u32s(),
    client_id in bytes()
});
strategy!(tlink -> Tlink { dfid in u32s(), fid in u32s(), name in bytes() });
strategy!(tmkdir -> Tmkdir { dfid in u32s(), name in bytes(), mode in u32s(), gid in u32s() });
strategy!(trenameat -> Trenameat {
    olddirfid in u32s(), oldname in bytes(), newdirfid in u32s(), newname in bytes()
});
strategy!(tunlinkat -> Tunlinkat { dirfd in u32s(), name in bytes(), flags in u32s() });

strategy!(rversion -> Rversion { msize in u32s(), version in bytes() });
strategy!(rauth -> Rauth { aqid in qid() });
strategy!(rattach -> Rattach { qid in qid() });
strategy!(rlerror -> Rlerror { ecode in u32s() });
strategy!(rflush -> Rflush);
strategy!(rwalk -> Rwalk { wqids in vec(qid(), 0..=16) });
strategy!(rread -> Rread { data in vec(any::<u8>(), 0..300) });
strategy!(rwrite -> Rwrite { count in u32s() });
strategy!(rclunk -> Rclunk);
strategy!(rremove -> Rremove);
strategy!(rstatfs -> Rstatfs {
    ty in u32s(), bsize in u32s(), blocks in u64s(), bfree in u64s(), bavail in u64s(),
    files in u64s(), ffree in u64s(), fsid in u64s(), namelen in u32s()
});
strategy!(rlopen -> Rlopen { qid in qid(), iounit in u32s() });
strategy!(rlcreate -> Rlcreate { qid in qid(), iounit in u32s() });
strategy!(rsymlink -> Rsymlink { qid in qid() });
strategy!(rmknod -> Rmknod { qid in qid() });
strategy!(rrename -> Rrename);
strategy!(rreadlink -> Rreadlink { target in bytes() });
strategy!(rsetattr -> Rsetattr);
strategy!(rxattrwalk -> Rxattrwalk { size in u64s() });
strategy!(rxattrcreate -> Rxattrcreate);
strategy!(rreaddir -> Rreaddir { entries in vec(dirent(), 0..8) });
strategy!(rfsync -> Rfsync);
strategy!(rlock -> Rlock { status in any::<u8>() });
strategy!(rgetlock -> Rgetlock {
    ty in any::<u8>(), start in u64s(), length in u64s(), proc_id in u32s(), client_id in bytes()
});
strategy!(rlink -> Rlink);
strategy!(rmkdir -> Rmkdir { qid in qid() });
strategy!(rrenameat -> Rrenameat);
strategy!(runlinkat -> Runlinkat);

pub(super) fn rgetattr() -> impl Strategy<Value = Rgetattr> {
    let fields = (u64s(), qid(), any::<[u32; 3]>(), any::<[[u64; 5]; 3]>());
    fields.prop_map(|(valid, qid, [mode, uid, gid], words)| {
        let [
            [nlink, rdev, size, blksize, blocks],
            [atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec],
            [ctime_nsec, btime_sec, btime_nsec, gen, data_version],
        ] = words;
        Rgetattr {
            valid,
            qid,
            mode,
            uid,
            gid,
            nlink,
            rdev,
            size,
            blksize,
            blocks,
            atime_sec,
            atime_nsec,
            mtime_sec,
            mtime_nsec,
            ctime_sec,
            ctime_nsec,
            btime_sec,
            btime_nsec,
            gen,
            data_version,
        }
    })
}

/// Any request, every type equally likely.
pub(super) fn any_tmessage() -> impl Strategy<Value = Tmessage> {
    prop_oneof![
        tversion().prop_map(Tmessage::from),
        tauth().prop_map(Tmessage::from),
        tattach().prop_map(Tmessage::from),
        tflush().prop_map(Tmessage::from),
        twalk().prop_map(Tmessage::from),
        tread().prop_map(Tmessage::from),
        twrite().prop_map(Tmessage::from),
        tclunk().prop_map(Tmessage::from),
        tremove().prop_map(Tmessage::from),
        tstatfs().prop_map(Tmessage::from),
        tlopen().prop_map(Tmessage::from),
        tlcreate().prop_map(Tmessage::from),
        tsymlink().prop_map(Tmessage::from),
        tmknod().prop_map(Tmessage::from),
        trename().prop_map(Tmessage::from),
        treadlink().prop_map(Tmessage::from),
        tgetattr().prop_map(Tmessage::from),
        tsetattr().prop_map(Tmessage::from),
        txattrwalk().prop_map(Tmessage::from),
        txattrcreate().prop_map(Tmessage::from),
        treaddir().prop_map(Tmessage::from),
        tfsync().prop_map(Tmessage::from),
        tlock().prop_map(Tmessage::from),
        tgetlock().prop_map(Tmessage::from),
        tlink().prop_map(Tmessage::from),
        tmkdir().prop_map(Tmessage::from),
        trenameat().prop_map(Tmessage::from),
        tunlinkat().prop_map(Tmessage::from),
    ]
}

/// Any reply, every type equally likely.
pub(super) fn any_rmessage() -> impl Strategy<Value = Rmessage> {
    prop_oneof![
        rversion().prop_map(Rmessage::from),
        rauth().prop_map(Rmessage::from),
        rattach().prop_map(Rmessage::from),
        rlerror().prop_map(Rmessage::from),
        rflush().prop_map(Rmessage::from),
        rwalk().prop_map(Rmessage::from),
        rread().prop_map(Rmessage::from),
        rwrite().prop_map(Rmessage::from),
        rclunk().prop_map(Rmessage::from),
        rremove().prop_map(Rmessage::from),
        rstatfs().prop_map(Rmessage::from),
        rlopen().prop_map(Rmessage::from),
        rlcreate().prop_map(Rmessage::from),
        rsymlink().prop_map(Rmessage::from),
        rmknod().prop_map(Rmessage::from),
        rrename().prop_map(Rmessage::from),
        rreadlink().prop_map(Rmessage::from),
        rgetattr().prop_map(Rmessage::from),
        rsetattr().prop_map(Rmessage::from),
        rxattrwalk().prop_map(Rmessage::from),
        rxattrcreate().prop_map(Rmessage::from),
        rreaddir().prop_map(Rmessage::from),
        rfsync().prop_map(Rmessage::from),
        rlock().prop_map(Rmessage::from),
        rgetlock().prop_map(Rmessage::from),
        rlink().prop_map(Rmessage::from),
        rmkdir().prop_map(Rmessage::from),
        rrenameat().prop_map(Rmessage::from),
        runlinkat().prop_map(Rmessage::from),
    ]
}

/// The size field of a frame.
pub(super) fn size_field(frame: &[u8]) -> usize {
    u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize
}
