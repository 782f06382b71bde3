using Microsoft.ML.Lrp.Promises.Replay;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>The recycling of replay output arrays: only rented arrays come back, each once.</summary>
[TestClass]
public sealed class ReplayBuffersTests
{
    [TestMethod]
    public void Rent_AfterReturn_GivesTheReturnedArrayOnce()
    {
        // A length no other test rents.
        const int Length = (1 << 15) + 4099;
        var first = ReplayBuffers.Rent(Length);
        ReplayBuffers.Return(first);
        ReplayBuffers.Return(first);
        var second = ReplayBuffers.Rent(Length);
        var third = ReplayBuffers.Rent(Length);
        Assert.IsTrue(ReferenceEquals(first, second));
        Assert.IsFalse(ReferenceEquals(second, third));
        Assert.HasCount(Length, third);
    }

    [TestMethod]
    public void Return_ArrayNotRented_IsNotHandedOut()
    {
        const int Length = (1 << 15) + 8191;
        var foreign = new float[Length];
        ReplayBuffers.Return(foreign);
        var rented = ReplayBuffers.Rent(Length);
        Assert.IsFalse(ReferenceEquals(foreign, rented));
        Assert.HasCount(Length, rented);
    }
}
