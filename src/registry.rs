//! Registries of named kinds that a scene picks by name (`Text(...)`, `Clock(...)`): the
//! name is read as an enum variant, and the registered kind reads its own fields. The
//! widget and source registries are two instances of this one mechanism.

use std::sync::RwLock;

use serde::de::{self, DeserializeSeed, EnumAccess, VariantAccess, Visitor};

/// Reads one kind's value from an erased deserializer.
pub type Reader<T> =
    for<'de> fn(&mut dyn erased_serde::Deserializer<'de>) -> Result<Box<T>, erased_serde::Error>;

/// The kinds of one sort, in the order they were registered.
pub struct Registry<T: ?Sized + 'static> {
    inner: RwLock<Inner<T>>,
}

struct Inner<T: ?Sized + 'static> {
    kinds: Vec<(&'static str, Reader<T>)>,
    /// The names, for serde's "expected one of" (rebuilt when a kind is added).
    names: &'static [&'static str],
}

impl<T: ?Sized + 'static> Registry<T> {
    /// A registry holding `kinds`.
    pub fn new(kinds: impl IntoIterator<Item = (&'static str, Reader<T>)>) -> Registry<T> {
        let r = Registry {
            inner: RwLock::new(Inner {
                kinds: Vec::new(),
                names: &[],
            }),
        };
        for (name, read) in kinds {
            r.add(name, read);
        }
        r
    }

    /// Adds a kind (a name already there is left as it is).
    pub fn add(&self, name: &'static str, read: Reader<T>) {
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        if inner.kinds.iter().any(|(n, _)| *n == name) {
            return;
        }
        inner.kinds.push((name, read));
        let names: Vec<&'static str> = inner.kinds.iter().map(|(n, _)| *n).collect();
        // A handful of kinds, registered once each: the list lives as long as the program.
        inner.names = Box::leak(names.into_boxed_slice());
    }

    /// The names of every kind, in registration order.
    pub fn names(&self) -> &'static [&'static str] {
        self.inner.read().map_or(&[], |i| i.names)
    }

    fn reader(&self, name: &str) -> Option<Reader<T>> {
        let inner = self.inner.read().ok()?;
        inner
            .kinds
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }

    /// Reads `Name(fields…)`: the kind by its name, then its fields by that kind.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        &'static self,
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

struct KindVisitor<T: ?Sized + 'static> {
    registry: &'static Registry<T>,
    what: &'static str,
}

impl<'de, T: ?Sized + 'static> Visitor<'de> for KindVisitor<T> {
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
