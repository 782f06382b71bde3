using Microsoft.ML;

namespace ExplainImage;

/// <summary>
/// The ML.NET image pipeline in front of ResNet18, built from the files that the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 copies next to the program (<c>DnnImageModels/</c>).
/// </summary>
/// <remarks>
/// Normalisation: the package's <c>ResNetPrepOnnx/ResNetPreprocess.onnx</c> takes the planar RGB pixels in 0..255
/// (input <c>OriginalInput</c>, 1 × 3 × 224 × 224), reorders the planes to BGR (Split + Concat) and subtracts a
/// per-pixel mean image (<c>Sub</c> with a 1 × 3 × 224 × 224 initializer, about 103 / 116 / 123 for B / G / R but
/// varying by ±5 across the image); there is no division by a standard deviation. A per-pixel mean cannot be written
/// as ExtractPixels' single offset and scale, so the pipeline applies ResNetPreprocess.onnx itself, exactly as
/// ML.NET's <c>DnnFeaturizeImage</c> does, and explains ResNet18 from its input <c>Input247</c>.
/// </remarks>
internal static class PhotoPipeline
{
    public const int Size = 224;

    public static string ModelFolder => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    public static string ResNet18File => Path.Combine(ModelFolder, "ResNet18Onnx", "ResNet18.onnx");

    public static string PreprocessFile => Path.Combine(ModelFolder, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    public static string ImageFolder => Path.Combine(AppContext.BaseDirectory, "images");

    /// <summary>
    /// LoadImages → ResizeImages(224, 224) → ExtractPixels → ResNetPreprocess.onnx, giving ResNet18's input
    /// <c>Input247</c> and the photo's RGB bytes (<c>Background</c>).
    /// </summary>
    public static IEstimator<ITransformer> Preprocess(MLContext ml)
        => ml.Transforms.LoadImages("Image", ImageFolder, nameof(PhotoInput.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", Size, Size, "Image"))
            .Append(ml.Transforms.ExtractPixels("OriginalInput", "Image"))
            .Append(ml.Transforms.ExtractPixels(nameof(PhotoRow.Background), "Image", interleavePixelColors: true, outputAsFloatArray: false))
            .Append(ml.Transforms.ApplyOnnxModel("PreprocessedInput", "OriginalInput", PreprocessFile))
            .Append(ml.Transforms.CopyColumns("Input247", "PreprocessedInput"));

    /// <summary>The preprocessing followed by ResNet18 itself (ApplyOnnxModel), adding the 512 features.</summary>
    public static IEstimator<ITransformer> Features(MLContext ml)
        => Preprocess(ml).Append(ml.Transforms.ApplyOnnxModel("Pooling395_Output_0", "Input247", ResNet18File));
}
