//! Reading libpg_query's C parse tree: the pieces every generated converter uses (pointers,
//! strings, lists, the generic `Node`) and the nodes libpg_query writes by hand (`List`,
//! `A_Const`).

use std::ffi::CStr;

use pg_query::protobuf as pb;

use super::generated::{
    self, A_CONST_ISNULL, A_CONST_LOCATION, A_CONST_VAL, LIST_ELEMENTS, LIST_LENGTH, T_A_CONST,
    T_BITSTRING, T_BOOLEAN, T_FLOAT, T_INTEGER, T_LIST, T_STRING,
};

/// The tree holds something this converter leaves to the protobuf path: an unknown tag, a
/// string that is not UTF-8, a tree deeper than prost decodes, a field only the planner sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback;

/// How many more nested messages may be read. It counts like prost's decoder (which allows
/// 100), so any tree the protobuf path would refuse is left to it and fails the same way.
pub struct Ctx {
    remaining: u32,
}

impl Ctx {
    pub fn new() -> Self {
        Ctx { remaining: 100 }
    }

    #[inline]
    pub fn enter(&mut self) -> Result<(), Fallback> {
        if self.remaining == 0 {
            return Err(Fallback);
        }
        self.remaining -= 1;
        Ok(())
    }

    #[inline]
    pub fn leave(&mut self) {
        self.remaining += 1;
    }
}

/// Reads a field of a C struct.
///
/// # Safety
/// `p + off` must hold a valid, aligned `T` (the generated offsets come from the C compiler).
#[inline(always)]
pub unsafe fn at<T: Copy>(p: *const u8, off: usize) -> T {
    unsafe { p.add(off).cast::<T>().read() }
}

/// A `char *` field: NULL is the empty string, as in protobuf.
pub unsafe fn c_string(p: *const u8) -> Result<String, Fallback> {
    if p.is_null() {
        return Ok(String::new());
    }
    let bytes = unsafe { CStr::from_ptr(p.cast()) }.to_bytes();
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Err(Fallback),
    }
}

/// A `char` field: libpg_query writes it as a one-byte string, or nothing for `\0`.
pub fn c_char_string(c: u8) -> Result<String, Fallback> {
    match c {
        0 => Ok(String::new()),
        c if c.is_ascii() => Ok(char::from(c).to_string()),
        _ => Err(Fallback),
    }
}

/// The elements of a `List *` of pointers (NIL has none).
pub unsafe fn cells(p: *const u8) -> Result<impl Iterator<Item = *const u8>, Fallback> {
    let (len, cells) = if p.is_null() {
        (0, std::ptr::null())
    } else if unsafe { at::<u32>(p, 0) } != T_LIST {
        return Err(Fallback);
    } else {
        let len = usize::try_from(unsafe { at::<i32>(p, LIST_LENGTH) }).map_err(|_| Fallback)?;
        (len, unsafe { at::<*const u8>(p, LIST_ELEMENTS) })
    };
    Ok((0..len).map(move |i| unsafe { at::<*const u8>(cells, i * size_of::<*const u8>()) }))
}

/// A `List *` of nodes (NIL is empty).
pub unsafe fn list(c: &mut Ctx, p: *const u8) -> Result<Vec<pb::Node>, Fallback> {
    let cells = unsafe { cells(p) }?;
    let mut out = Vec::with_capacity(cells.size_hint().0);
    for item in cells {
        out.push(unsafe { node(c, item) }?);
    }
    Ok(out)
}

/// A `Node *` field: absent when NULL.
pub unsafe fn node_box(c: &mut Ctx, p: *const u8) -> Result<Option<Box<pb::Node>>, Fallback> {
    if p.is_null() {
        return Ok(None);
    }
    Ok(Some(Box::new(unsafe { node(c, p) }?)))
}

/// A generic node (a list element, a `Node *` field); NULL is an empty `Node`.
pub unsafe fn node(c: &mut Ctx, p: *const u8) -> Result<pb::Node, Fallback> {
    c.enter()?;
    let inner = if p.is_null() {
        None
    } else {
        Some(match unsafe { at::<u32>(p, 0) } {
            T_LIST => {
                c.enter()?;
                let items = unsafe { list(c, p) }?;
                c.leave();
                pb::node::Node::List(pb::List { items })
            }
            T_A_CONST => pb::node::Node::AConst(unsafe { a_const(c, p) }?),
            tag => match generated::NODE_FNS.get(tag as usize) {
                Some(Some(convert)) => unsafe { convert(c, p) }?,
                _ => return Err(Fallback),
            },
        })
    };
    c.leave();
    Ok(pb::Node { node: inner })
}

/// `A_Const` holds its value inline, as a union of the value nodes.
unsafe fn a_const(c: &mut Ctx, p: *const u8) -> Result<pb::AConst, Fallback> {
    use pb::a_const::Val;
    c.enter()?;
    let isnull = unsafe { at::<u8>(p, A_CONST_ISNULL) } != 0;
    let val = if isnull {
        None
    } else {
        let v = unsafe { p.add(A_CONST_VAL) };
        Some(match unsafe { at::<u32>(v, 0) } {
            T_INTEGER => Val::Ival(unsafe { generated::integer(c, v) }?),
            T_FLOAT => Val::Fval(unsafe { generated::float(c, v) }?),
            T_BOOLEAN => Val::Boolval(unsafe { generated::boolean(c, v) }?),
            T_STRING => Val::Sval(unsafe { generated::string(c, v) }?),
            T_BITSTRING => Val::Bsval(unsafe { generated::bit_string(c, v) }?),
            _ => return Err(Fallback),
        })
    };
    let out = pb::AConst {
        isnull,
        location: unsafe { at::<i32>(p, A_CONST_LOCATION) },
        val,
    };
    c.leave();
    Ok(out)
}
