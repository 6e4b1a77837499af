//! Registries of named kinds that a scene picks by name (`Text(...)`, `Clock(...)`): the
//! name is read as an enum variant, and the registered kind reads its own fields. The
//! widget and source registries are two instances of this one mechanism.
//!
//! A registry is a plain value, owned by whoever reads scenes with it (an app holds its
//! own, see [`crate::widget::kinds::Kinds`]); nothing here is global but the interned
//! names lists. serde's "expected one of …" takes the names as `&'static [&'static str]`
//! (and ron keeps them in its error), so each distinct list is interned once for the
//! program's life ([`intern`]): registering the same kinds in many apps or registries
//! adds nothing, and a new list costs a few words only when a new set of kinds is made.
//!
//! A registry reaches serde's `Deserialize` impls (which take no argument) through a
//! [`Slot`], a thread-local set by a [`Scope`] for the duration of one reading: the
//! `DeserializeSeed` that reads a scene enters the scope, and the nested boxed specs read
//! the registry from the slot.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::thread::LocalKey;

use serde::de::{self, DeserializeSeed, EnumAccess, VariantAccess, Visitor};

/// Reads one kind's value from an erased deserializer.
pub type Reader<T> =
    for<'de> fn(&mut dyn erased_serde::Deserializer<'de>) -> Result<Box<T>, erased_serde::Error>;

/// The kinds of one sort, in the order they were registered.
pub struct Registry<T: ?Sized + 'static> {
    kinds: Vec<(&'static str, Reader<T>)>,
    /// The names, for serde's "expected one of" (interned again when a kind is added).
    names: &'static [&'static str],
}

impl<T: ?Sized + 'static> Clone for Registry<T> {
    fn clone(&self) -> Self {
        Registry {
            kinds: self.kinds.clone(),
            names: self.names,
        }
    }
}

impl<T: ?Sized + 'static> std::fmt::Debug for Registry<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Registry").field(&self.names).finish()
    }
}

/// Every names list handed out so far (see the module docs).
static INTERNED: Mutex<Vec<&'static [&'static str]>> = Mutex::new(Vec::new());

/// `names` as a list that lives as long as the program, made once per distinct list.
pub fn intern(names: &[&'static str]) -> &'static [&'static str] {
    let Ok(mut all) = INTERNED.lock() else {
        return &[];
    };
    if let Some(found) = all.iter().find(|l| **l == names) {
        return found;
    }
    let list: &'static [&'static str] = Box::leak(names.to_vec().into_boxed_slice());
    all.push(list);
    list
}

impl<T: ?Sized + 'static> Registry<T> {
    /// A registry holding `kinds`.
    pub fn new(kinds: impl IntoIterator<Item = (&'static str, Reader<T>)>) -> Registry<T> {
        let mut r = Registry {
            kinds: Vec::new(),
            names: &[],
        };
        for (name, read) in kinds {
            if !r.kinds.iter().any(|(n, _)| *n == name) {
                r.kinds.push((name, read));
            }
        }
        r.names = intern(&r.kinds.iter().map(|(n, _)| *n).collect::<Vec<_>>());
        r
    }

    /// Adds a kind (a name already there is left as it is).
    pub fn add(&mut self, name: &'static str, read: Reader<T>) {
        if self.kinds.iter().any(|(n, _)| *n == name) {
            return;
        }
        self.kinds.push((name, read));
        self.names = intern(&self.kinds.iter().map(|(n, _)| *n).collect::<Vec<_>>());
    }

    /// The names of every kind, in registration order.
    pub fn names(&self) -> &'static [&'static str] {
        self.names
    }

    fn reader(&self, name: &str) -> Option<Reader<T>> {
        self.kinds.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// Reads `Name(fields…)`: the kind by its name, then its fields by that kind.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        &self,
        d: D,
        what: &'static str,
    ) -> Result<Box<T>, D::Error> {
        d.deserialize_enum(
            what,
            self.names(),
            KindVisitor {
                registry: self,
                what,
            },
        )
    }
}

/// A thread-local holding the registry nested values read with (see the module docs).
pub type Slot<R> = LocalKey<RefCell<Option<Arc<R>>>>;

/// The registry in `slot` on this thread, while a [`Scope`] is entered.
pub fn current<R: 'static>(slot: &'static Slot<R>) -> Option<Arc<R>> {
    slot.with(|s| s.borrow().clone())
}

/// Puts a registry in a [`Slot`] until dropped, then puts back what was there.
pub struct Scope<R: 'static> {
    slot: &'static Slot<R>,
    before: Option<Arc<R>>,
}

impl<R: 'static> Scope<R> {
    /// Makes `registry` the one `slot` holds on this thread until the scope is dropped.
    pub fn enter(slot: &'static Slot<R>, registry: Arc<R>) -> Scope<R> {
        let before = slot.with(|s| s.borrow_mut().replace(registry));
        Scope { slot, before }
    }
}

impl<R: 'static> Drop for Scope<R> {
    fn drop(&mut self) {
        let before = self.before.take();
        self.slot.with(|s| *s.borrow_mut() = before);
    }
}

struct KindVisitor<'a, T: ?Sized + 'static> {
    registry: &'a Registry<T>,
    what: &'static str,
}

impl<'de, T: ?Sized + 'static> Visitor<'de> for KindVisitor<'_, T> {
    type Value = Box<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a {} such as {}(...)",
            self.what,
            self.registry.names().first().unwrap_or(&"Name")
        )
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Box<T>, A::Error> {
        let (name, variant) = data.variant_seed(KindName)?;
        let Some(read) = self.registry.reader(&name) else {
            if let Some(message) = crate::features::lacking_kind(self.what, &name) {
                return Err(de::Error::custom(message));
            }
            return Err(de::Error::unknown_variant(&name, self.registry.names()));
        };
        variant.newtype_variant_seed(KindSeed(read))
    }
}

/// Reads a kind's name as the identifier it is (`Text`, not `"Text"`).
struct KindName;

impl<'de> DeserializeSeed<'de> for KindName {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KindName {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a kind's name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// Hands the fields to the kind's reader.
struct KindSeed<T: ?Sized + 'static>(Reader<T>);

impl<'de, T: ?Sized + 'static> DeserializeSeed<'de> for KindSeed<T> {
    type Value = Box<T>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Box<T>, D::Error> {
        let mut erased = <dyn erased_serde::Deserializer>::erase(d);
        (self.0)(&mut erased).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Num = dyn Fn() -> u32 + Send + Sync;

    fn one<'de>(
        _: &mut dyn erased_serde::Deserializer<'de>,
    ) -> Result<Box<Num>, erased_serde::Error> {
        Ok(Box::new(|| 1))
    }

    #[test]
    fn registries_are_independent_and_share_their_names_lists() {
        let mut a: Registry<Num> = Registry::new([("One", one as Reader<Num>)]);
        let b: Registry<Num> = Registry::new([("One", one as Reader<Num>)]);
        assert!(
            std::ptr::eq(a.names(), b.names()),
            "one list for equal kinds"
        );
        a.add("Two", one);
        a.add("Two", one);
        assert_eq!(a.names(), ["One", "Two"]);
        assert_eq!(
            b.names(),
            ["One"],
            "adding to one leaves the other as it was"
        );
        let c: Registry<Num> = Registry::new([("One", one as Reader<Num>), ("Two", one)]);
        assert!(
            std::ptr::eq(a.names(), c.names()),
            "interned, not leaked again"
        );
    }
}
