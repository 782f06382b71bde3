using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Onnx;

[TestClass]
public sealed class OnnxTensorDataTests
{
    private static TensorProto Raw<T>(OnnxElementType type, T[] values, params long[] dims)
        where T : struct
    {
        var proto = new TensorProto { Name = "t", DataType = (int)type, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.AddRange(dims.Length == 0 ? [values.Length] : dims);
        return proto;
    }

    private static TensorProto Typed(OnnxElementType type, Action<TensorProto> fill, params long[] dims)
    {
        var proto = new TensorProto { Name = "t", DataType = (int)type };
        proto.Dims.AddRange(dims);
        fill(proto);
        return proto;
    }

    [TestMethod]
    public void ToFloats_Float16RawData_Converts()
    {
        var data = OnnxTensorData.FromProto(Raw(OnnxElementType.Float16, [(Half)1.5f, (Half)(-2f), (Half)0.25f]), null);
        CollectionAssert.AreEqual(new[] { 1.5f, -2f, 0.25f }, data.ToFloats());
    }

    [TestMethod]
    public void ToFloats_Float16Int32Data_ReadsBitPatterns()
    {
        TensorProto proto = Typed(OnnxElementType.Float16, p => p.Int32Data.AddRange([BitConverter.HalfToUInt16Bits((Half)3f), BitConverter.HalfToUInt16Bits((Half)(-0.5f))]), 2);
        CollectionAssert.AreEqual(new[] { 3f, -0.5f }, OnnxTensorData.FromProto(proto, null).ToFloats());
    }

    [TestMethod]
    public void ToFloats_BFloat16RawData_Converts()
    {
        ushort[] bits = [(ushort)(BitConverter.SingleToInt32Bits(1.5f) >> 16), (ushort)(BitConverter.SingleToInt32Bits(-4f) >> 16)];
        CollectionAssert.AreEqual(new[] { 1.5f, -4f }, OnnxTensorData.FromProto(Raw(OnnxElementType.BFloat16, bits), null).ToFloats());
    }

    [TestMethod]
    public void ToFloats_DoubleData_Converts()
    {
        TensorProto proto = Typed(OnnxElementType.Double, p => p.DoubleData.AddRange([0.125, -3.5, 1e10]), 3);
        CollectionAssert.AreEqual(new[] { 0.125f, -3.5f, 1e10f }, OnnxTensorData.FromProto(proto, null).ToFloats());
    }

    [TestMethod]
    public void ToFloats_DoubleRawData_Converts()
        => CollectionAssert.AreEqual(new[] { 2.5f, -1f }, OnnxTensorData.FromProto(Raw(OnnxElementType.Double, [2.5, -1.0]), null).ToFloats());

    [TestMethod]
    public void ToInt64s_Int32RawData_Converts()
    {
        var data = OnnxTensorData.FromProto(Raw(OnnxElementType.Int32, [7, -3, int.MaxValue]), null);
        CollectionAssert.AreEqual(new long[] { 7, -3, int.MaxValue }, data.ToInt64s());
        CollectionAssert.AreEqual(new[] { 7f, -3f, int.MaxValue }, data.ToFloats());
    }

    [TestMethod]
    public void ToFloats_Int64Data_Converts()
    {
        TensorProto proto = Typed(OnnxElementType.Int64, p => p.Int64Data.AddRange([1, -1, 4]), 3);
        CollectionAssert.AreEqual(new[] { 1f, -1f, 4f }, OnnxTensorData.FromProto(proto, null).ToFloats());
    }

    [TestMethod]
    public void ToFloats_UInt8Int32DataAndBoolRaw_Convert()
    {
        TensorProto bytes = Typed(OnnxElementType.UInt8, p => p.Int32Data.AddRange([0, 200, 255]), 3);
        CollectionAssert.AreEqual(new[] { 0f, 200f, 255f }, OnnxTensorData.FromProto(bytes, null).ToFloats());
        var bools = OnnxTensorData.FromProto(Raw(OnnxElementType.Bool, new byte[] { 1, 0, 1 }), null);
        CollectionAssert.AreEqual(new long[] { 1, 0, 1 }, bools.ToInt64s());
    }

    [TestMethod]
    public void ToInt64s_Floats_TruncateTowardZero()
        => CollectionAssert.AreEqual(new long[] { -1, 2, 0 }, OnnxTensorData.FromProto(Raw(OnnxElementType.Float, [-1.7f, 2.9f, 0.2f]), null).ToInt64s());

    [TestMethod]
    public void ToTensor_FloatRawData_KeepsShape()
    {
        var data = OnnxTensorData.FromProto(Raw(OnnxElementType.Float, [1f, 2f, 3f, 4f, 5f, 6f], 2, 3), null);
        var tensor = data.ToTensor();
        CollectionAssert.AreEqual(new[] { 2, 3 }, tensor.Shape);
        Assert.AreEqual(6f, tensor.Data[5], 0f);
        Assert.AreEqual(6L, data.ElementCount);
    }

    [TestMethod]
    public void ToFloats_StringTensor_Throws()
    {
        TensorProto proto = Typed(OnnxElementType.String, p => p.StringData.Add(ByteString.CopyFromUtf8("a")), 1);
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxTensorData.FromProto(proto, null).ToFloats());
        StringAssert.Contains(e.Message, "'t'");
    }

    [TestMethod]
    public void FromProto_TypedCountDisagreesWithShape_Throws()
    {
        TensorProto proto = Typed(OnnxElementType.Float, p => p.FloatData.AddRange([1f, 2f]), 3);
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxTensorData.FromProto(proto, null));
        StringAssert.Contains(e.Message, "needs 3 elements");
    }
}
