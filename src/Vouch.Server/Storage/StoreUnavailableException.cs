namespace Vouch.Server.Storage;

/// <summary>
/// The database behind a store cannot be used: the file is not a database of that kind, is corrupt,
/// cannot be opened or written, stays locked past the busy timeout, or holds a schema newer than this
/// build knows. The host reports it (naming <see cref="Location"/>) and answers 503 rather than guessing.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    /// <summary>Makes the exception.</summary>
    public StoreUnavailableException()
        : this("the store is unavailable")
    {
    }

    /// <summary>Makes the exception with a message.</summary>
    public StoreUnavailableException(string message)
        : base(message)
    {
        Location = string.Empty;
    }

    /// <summary>Makes the exception with a message and its cause.</summary>
    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Location = string.Empty;
    }

    /// <summary>Makes the exception for the database at <paramref name="location"/>.</summary>
    /// <param name="location">The database file (SQLite) or server and database (PostgreSQL), without credentials.</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The driver's exception, if any.</param>
    public StoreUnavailableException(string location, string message, Exception? innerException)
        : base($"store '{location}': {message}", innerException)
    {
        Location = location;
    }

    /// <summary>The database concerned (a file path for SQLite); empty when not known.</summary>
    public string Location { get; }
}
