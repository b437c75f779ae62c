package io.lochness.chypervisord.bootstrap;

import dagger.MapKey;

/** Keys a store module's provider in the map the chosen backend is taken from. */
@MapKey
@interface BackendKey {
    Backend value();
}
