using Vouch.Server.Storage;

namespace Vouch.Server.Tests;

public sealed class ProviderNamesTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("a")]
    [InlineData("contoso-eu-1")]
    [InlineData("a-")]
    [InlineData("z9")]
    [InlineData("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcd")] // 48 characters
    public void Valid_names(string name) => Assert.True(ProviderNames.IsValid(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Default")]
    [InlineData("0abc")]
    [InlineData("-abc")]
    [InlineData("a_b")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData(" a")]
    [InlineData("é")]
    [InlineData("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcde")] // 49 characters
    public void Invalid_names(string? name) => Assert.False(ProviderNames.IsValid(name));

    [Fact]
    public void Default_is_valid() => Assert.True(ProviderNames.IsValid(ProviderNames.Default));

    [Fact]
    public void ThrowIfInvalid_throws_ArgumentException_for_a_bad_name() =>
        Assert.Throws<ArgumentException>(() => ProviderNames.ThrowIfInvalid("Bad", "name"));
}
