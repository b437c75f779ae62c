package io.lochness.chypervisord.bootstrap;

import dagger.BindsInstance;
import dagger.Component;
import jakarta.inject.Singleton;

/** The object graph of one chypervisord process, built from the parsed settings. */
@Singleton
@Component(modules = {StoreModule.class, ServiceModule.class})
public interface ChypervisordComponent {
    Chypervisord app();

    /** Builds the graph from the command line's settings. */
    @Component.Factory
    interface Factory {
        ChypervisordComponent create(@BindsInstance Settings settings);
    }
}
