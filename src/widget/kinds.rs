//! The kinds an app knows: its widget kinds (their readers and the engine's hooks) and its
//! source kinds, held by the app as the [`Kinds`] resource. The engine's plugin adds the
//! built-in ones; a user adds theirs with [`KindsExt::register_kind`] and
//! [`KindsExt::register_source`] (or on a [`Kinds`] value handed to
//! [`Engine::kinds`](crate::engine::Engine::kinds)), and reads scenes for that app with
//! it ([`scene::compile_str_with`](crate::scene::compile_str_with)). Two apps have
//! independent kinds: a kind registered in one is unknown to scenes read for the other.
//!
//! A scene is read through [`Kinds::seed`], a `DeserializeSeed` carrying the kinds. serde's
//! `Deserialize` of the widget and source specs nested in a scene takes no argument, so
//! the seed makes its kinds the current ones on the reading thread for the duration of
//! that one deserialization (a scoped thread-local, see [`crate::registry`]), and the
//! nested specs read them from there. Outside a seed (a spec deserialized on its own)
//! only the built-in kinds are known.

use std::marker::PhantomData;
use std::sync::Arc;

use bevy_app::App;
use bevy_ecs::prelude::Resource;
use serde::de::{Deserialize, DeserializeSeed};

use super::kind::{Kind, WidgetKinds};
use crate::source::kind::{SourceKind, SourceKinds};

/// The widget and source kinds scenes may name (see the module docs); cheap to clone.
#[derive(Resource, Debug, Clone, Default)]
pub struct Kinds {
    widgets: Arc<WidgetKinds>,
    sources: Arc<SourceKinds>,
}

impl Kinds {
    /// The built-in kinds only.
    pub fn builtin() -> Kinds {
        Kinds::default()
    }

    /// Adds widget kind `K` (again changes nothing).
    pub fn register_kind<K: Kind>(&mut self) -> &mut Kinds {
        Arc::make_mut(&mut self.widgets).add::<K>();
        self
    }

    /// Adds source kind `K` (again changes nothing).
    pub fn register_source<K: SourceKind>(&mut self) -> &mut Kinds {
        Arc::make_mut(&mut self.sources).add::<K>();
        self
    }

    /// The widget kinds.
    pub fn widgets(&self) -> &WidgetKinds {
        &self.widgets
    }

    /// The source kinds.
    pub fn sources(&self) -> &SourceKinds {
        &self.sources
    }

    /// A `DeserializeSeed` reading a `T` (a scene) whose widgets and sources are of these
    /// kinds.
    pub fn seed<T>(&self) -> Seed<'_, T> {
        Seed {
            kinds: self,
            read: PhantomData,
        }
    }
}

/// Reads a `T` with the kinds it carries current (see the module docs).
pub struct Seed<'a, T> {
    kinds: &'a Kinds,
    read: PhantomData<fn() -> T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Seed<'_, T> {
    type Value = T;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        let _widgets = self.kinds.widgets.enter();
        let _sources = self.kinds.sources.enter();
        T::deserialize(d)
    }
}

/// Registering kinds on an app (its [`Kinds`] resource, the built-ins added if missing).
pub trait KindsExt {
    /// Lets scenes read for this app name widget kind `K` and the app run its systems.
    fn register_kind<K: Kind>(&mut self) -> &mut Self;
    /// Lets scenes read for this app name source kind `K`.
    fn register_source<K: SourceKind>(&mut self) -> &mut Self;
    /// The app's kinds (the built-ins when none were added), to read its scenes with.
    fn kinds(&mut self) -> Kinds;
}

impl KindsExt for App {
    fn register_kind<K: Kind>(&mut self) -> &mut App {
        self.world_mut()
            .get_resource_or_init::<Kinds>()
            .register_kind::<K>();
        self
    }

    fn register_source<K: SourceKind>(&mut self) -> &mut App {
        self.world_mut()
            .get_resource_or_init::<Kinds>()
            .register_source::<K>();
        self
    }

    fn kinds(&mut self) -> Kinds {
        self.world_mut().get_resource_or_init::<Kinds>().clone()
    }
}
