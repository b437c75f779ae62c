package io.lochness.chypervisord.domain.model;

/** Base of the domain's named failures; each subclass has exactly one HTTP mapping. */
public abstract sealed class ChypervisordException extends RuntimeException
        permits InvalidInputException,
                LimitExceededException,
                HypervisorNotFoundException,
                SubnetNotFoundException,
                HypervisorAlreadyExistsException,
                HypervisorHasGuestsException,
                PreconditionFailedException,
                ConflictException,
                StoredDataInvalidException,
                StoreUnavailableException,
                HistoryExpiredException,
                FeedUnavailableException {

    protected ChypervisordException(String message, Throwable cause) {
        super(message, cause);
    }
}
